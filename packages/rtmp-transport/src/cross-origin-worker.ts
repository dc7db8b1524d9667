/**
 * Starting a module worker from a URL that may be on another origin than the
 * page: `dist/rtmp.js` loaded from a CDN finds its worker files beside
 * itself, on the CDN, and `new Worker(url)` refuses a cross-origin URL
 * (HTML §10.2.6.3: it throws a SecurityError). A module worker started from a
 * same-origin `blob:` URL may `import` a module from any origin whose CORS
 * headers allow it, though, and that module then runs with its own URL as
 * `import.meta.url`, so its chunks and dynamic imports resolve beside it, on
 * the CDN. So a cross-origin worker starts from a one-line blob that imports
 * the real worker module; a same-origin one starts directly (a blob adds a
 * hop to the time to first frame).
 *
 * The blob's import is static on purpose: messages posted to a worker wait
 * until its module graph has run, the imported worker included, so nothing
 * the page sends first is lost. (With `import()` the blob would finish at
 * once and its first messages would reach a scope with no listener yet.)
 *
 * A worker whose script cannot be loaded (404, no CORS, not JavaScript)
 * reports only a bare `error` Event, with no message. That event is replaced
 * here by an `ErrorEvent` saying which script could not be loaded from where,
 * so a caller's `onerror` has something to tell its users.
 */

/** Options of {@link startModuleWorker}. */
export interface ModuleWorkerOptions {
  /** The worker's name (shown in the browser's developer tools). */
  name: string;
}

/** The page's URL, or undefined where there is none (Node, a worker without `location`). */
function pageUrl(): string | undefined {
  return (globalThis as { location?: { href: string } }).location?.href;
}

/**
 * True when `url` is on another origin than the page (or the page has no
 * origin to compare, such as a sandboxed iframe's opaque one).
 */
export function isCrossOriginScript(url: string | URL, base: string | undefined = pageUrl()): boolean {
  if (base === undefined) return false;
  const page = new URL(base);
  const script = new URL(url, page);
  if (script.protocol === 'blob:' || script.protocol === 'data:') return false;
  return page.origin === 'null' || script.origin !== page.origin;
}

/** The source of the blob that starts a cross-origin module worker: one static import of the real module. */
export function importerSource(url: string): string {
  return `import ${JSON.stringify(url)};\n`;
}

/** What a worker whose script did not load reports (see the file comment). */
export function loadFailureMessage(url: string, base: string | undefined = pageUrl()): string {
  const script = new URL(url, base);
  const page = base === undefined ? undefined : new URL(base).origin;
  if (!isCrossOriginScript(script, base)) return `the worker script ${script.href} could not be loaded`;
  return (
    `the worker script could not be loaded from ${script.origin} (${script.href}): ` +
    `a page on ${page ?? 'another origin'} can run it only if that server sends CORS headers ` +
    '(Access-Control-Allow-Origin) with it'
  );
}

/**
 * Starts the module worker at `url` (resolved against the page), directly
 * when it is on the page's origin, else from a same-origin blob that imports
 * it (see the file comment). A load failure reaches the worker's `error`
 * listeners as an `ErrorEvent` with a message.
 */
export function startModuleWorker(url: string | URL, options: ModuleWorkerOptions): Worker {
  const href = new URL(url, pageUrl()).href;
  let worker: Worker;
  if (isCrossOriginScript(href)) {
    const importer = URL.createObjectURL(new Blob([importerSource(href)], { type: 'text/javascript' }));
    try {
      worker = new Worker(importer, { type: 'module', name: options.name });
    } finally {
      // The worker has the blob once it is constructed: the URL is not needed again.
      URL.revokeObjectURL(importer);
    }
  } else {
    worker = new Worker(href, { type: 'module', name: options.name });
  }
  // Added before the caller's listeners (and its onerror), so it runs first.
  worker.addEventListener('error', (ev) => {
    if (ev instanceof ErrorEvent && ev.message !== '') return; // an error thrown in the worker: as it came
    ev.stopImmediatePropagation();
    ev.preventDefault();
    worker.dispatchEvent(new ErrorEvent('error', { message: loadFailureMessage(href), cancelable: true }));
  });
  return worker;
}
