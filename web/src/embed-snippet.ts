/**
 * The copy-and-paste snippets the demo shows: a plain page with one script
 * tag, and an app that installs the packages from npm.
 */

/** What the snippets embed. */
export interface EmbedTarget {
  /** The rtmp:// or rtmps:// URL to play, stream name included. */
  src: string;
  /** The bridge's ws:// or wss:// URL. */
  bridge: string;
  /** Where the page loads the bundle from (dist/rtmp.js, copied with its worker files). */
  scriptUrl: string;
}

/** Escapes text for an HTML attribute value. */
export function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The one-script-tag player snippet. */
export function htmlPlayerSnippet(t: EmbedTarget): string {
  return [
    `<script type="module" src="${escapeAttribute(t.scriptUrl)}"></script>`,
    ``,
    `<rtmp-player`,
    `  src="${escapeAttribute(t.src)}"`,
    `  bridge="${escapeAttribute(t.bridge)}"`,
    `  autoplay muted controls`,
    `  style="width: 640px; aspect-ratio: 16 / 9"></rtmp-player>`,
  ].join('\n');
}

/**
 * The publisher snippet. The stream key is deliberately a placeholder: it is
 * a secret, so the demo never writes it into the page.
 */
export function htmlPublisherSnippet(t: EmbedTarget, serverUrl: string): string {
  return [
    `<script type="module" src="${escapeAttribute(t.scriptUrl)}"></script>`,
    ``,
    `<rtmp-publisher id="pub"`,
    `  url="${escapeAttribute(serverUrl)}"`,
    `  bridge="${escapeAttribute(t.bridge)}"`,
    `  video-bitrate="2500" controls></rtmp-publisher>`,
    `<script type="module">`,
    `  const pub = document.getElementById('pub');`,
    `  pub.streamKey = prompt('Stream key'); // a property: never an attribute in the DOM`,
    `  document.querySelector('button').onclick = () => pub.start(); // camera + mic`,
    `</script>`,
    `<button>Go live</button>`,
  ].join('\n');
}

/** Using the packages from npm in a bundled app (Vite, webpack). */
export function npmSnippet(t: EmbedTarget): string {
  return [
    `// npm install @rtmp-web/elements`,
    `import '@rtmp-web/elements'; // registers <rtmp-player> and <rtmp-publisher>`,
    ``,
    `const player = document.createElement('rtmp-player');`,
    `player.setAttribute('src', ${JSON.stringify(t.src)});`,
    `player.setAttribute('bridge', ${JSON.stringify(t.bridge)});`,
    `player.toggleAttribute('controls', true);`,
    `player.addEventListener('statechange', (e) => console.log(e.detail.state));`,
    `document.body.append(player);`,
    `await player.play();`,
  ].join('\n');
}
