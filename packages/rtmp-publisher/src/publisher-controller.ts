/**
 * The element's side of the publisher worker, as a Lit ReactiveController
 * (the player's has the same shape): it creates the worker, hands it the
 * media (a MediaStream's tracks through {@link captureTracks}, or a file's
 * bytes), turns the worker's states into the promise `start()` returns, and
 * ends the worker when the element leaves the document. The worker starts
 * with `startModuleWorker`, so the bundle may be served from a CDN.
 *
 * The element keeps what a page sees: its settings, the sources it opened,
 * the controls, and the events it fires from {@link PublisherController}'s
 * `onEvent`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { startModuleWorker } from '@rtmp-web/transport/worker';
import { captureTracks, type CaptureHandle } from './media-capture.ts';
import { PublisherErrorCode } from './publisher-errors.ts';
import type { MediaInput, PublisherCommand, PublisherEvent, WorkerMessage } from './worker-protocol.ts';
// The built worker's URL (beside this module, wherever it is served from: a CDN too).
import publisherWorkerUrl from './publisher-worker.ts?worker&url';

/** What to publish: a MediaStream's first video and audio tracks, or an MP4 file's bytes. */
export type PublisherSource = { kind: 'stream'; stream: MediaStream } | { kind: 'mp4'; data: ArrayBuffer; loop: boolean };

/** The start command without its media (the controller adds it). */
export type StartSettings = Omit<Extract<PublisherCommand, { cmd: 'start' }>, 'cmd' | 'session' | 'input'>;

/** An error `start()` rejects with: the fatal error event's code and message. */
export class PublisherStartError extends Error {
  override readonly name = 'PublisherStartError';
  constructor(
    readonly code: string,
    message: string,
    /** The server's status, when one caused it. */
    readonly status?: string,
  ) {
    super(message);
  }
}

/** See the file comment. */
export class PublisherController implements ReactiveController {
  private worker: Worker | null = null;
  private capture: CaptureHandle | null = null;
  private waiter: { resolve(): void; reject(e: Error): void } | null = null;
  private fatal: PublisherStartError | null = null;
  /** The current session's number: every start() and stop() moves it on, so events of an older one are dropped. */
  private session = 0;

  constructor(
    host: ReactiveControllerHost,
    /** Every worker event, after the controller has read it. */
    private readonly onEvent: (e: PublisherEvent) => void,
  ) {
    host.addController(this);
  }

  /** Leaving the document stops publishing and ends the worker. */
  hostDisconnected(): void {
    this.stop();
    this.worker?.terminate();
    this.worker = null;
  }

  /**
   * Starts publishing `source` with `settings`. Resolves when the server
   * accepted the publish; rejects with a {@link PublisherStartError} when
   * publishing ended before that (the `error` event has the same code).
   * Throws at once when the source cannot be read.
   */
  start(settings: StartSettings, source: PublisherSource): Promise<void> {
    this.fatal = null;
    const worker = this.ensureWorker();
    let input: MediaInput;
    let transfer: Transferable[];
    if (source.kind === 'mp4') {
      input = { kind: 'mp4', data: source.data, loop: source.loop };
      transfer = [source.data];
    } else {
      this.capture = captureTracks(source.stream, (c, t) => this.worker?.postMessage(c, t));
      input = this.capture.input;
      transfer = this.capture.transfer;
    }
    const done = new Promise<void>((resolve, reject) => (this.waiter = { resolve, reject }));
    worker.postMessage({ cmd: 'start', session: ++this.session, ...settings, input } satisfies PublisherCommand, transfer);
    return done;
  }

  /** Stops publishing (FCUnpublish + deleteStream in the worker) and the capture; a pending `start()` rejects. */
  stop(): void {
    this.session++;
    this.worker?.postMessage({ cmd: 'stop' } satisfies PublisherCommand);
    this.release();
    this.settle(new PublisherStartError('STOPPED', 'stopped'));
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const w = startModuleWorker(publisherWorkerUrl, { name: 'rtmp-publisher' });
    w.onmessage = (ev: MessageEvent<WorkerMessage>) => {
      if (ev.data.session === this.session) this.receive(ev.data.event);
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      // A worker that failed is not reused: the next start() makes a new one.
      w.terminate();
      if (this.worker === w) this.worker = null;
      this.receive({ type: 'error', code: PublisherErrorCode.WorkerError, message: ev.message || 'the publisher worker failed to load', fatal: true });
      this.receive({ type: 'state', state: 'error' });
    };
    this.worker = w;
    return w;
  }

  private receive(e: PublisherEvent): void {
    // A fatal error comes before the `error` state: start() rejects on the
    // state, so a caller awaiting it sees the state already settled.
    if (e.type === 'error' && e.fatal) this.fatal = new PublisherStartError(e.code, e.message, e.status);
    this.onEvent(e);
    if (e.type !== 'state') return;
    if (e.state === 'publishing') this.settle(null);
    if (e.state === 'error' || e.state === 'stopped') {
      this.release();
      this.settle(this.fatal ?? new PublisherStartError(e.state === 'error' ? PublisherErrorCode.Internal : 'STOPPED', `publishing ended (${e.state})`));
    }
  }

  /** Resolves (null) or rejects the pending start(), once. */
  private settle(error: Error | null): void {
    const w = this.waiter;
    this.waiter = null;
    if (w === null) return;
    if (error === null) w.resolve();
    else w.reject(error);
  }

  private release(): void {
    this.capture?.close();
    this.capture = null;
  }
}
