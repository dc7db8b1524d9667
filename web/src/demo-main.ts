/**
 * The demo page: `<rtmp-publisher>` and `<rtmp-player>` side by side, with
 * presets for the local server and the big platforms, a live stats panel,
 * copy-and-paste embed snippets and an event log. Served by `npm start`.
 * With the test pattern, the player's stats show true glass-to-glass
 * latency (read back from the picture: glass-to-glass.ts) above the
 * player's own delay (arrival → shown).
 *
 * The stream key lives in a password field and in the publisher's
 * attribute only: the page never puts it in its URL, and the event log
 * redacts it.
 */
import { loadDemoConfig, type DemoConfig } from './demo-config.ts';
import { htmlPlayerSnippet, htmlPublisherSnippet, npmSnippet, type EmbedTarget } from './embed-snippet.ts';
import type { ElementErrorDetail, PlayerElement, PlayerStatsView, PublisherElement, PublisherSource, PublisherStatsView } from './element-types.ts';
import { EventLog } from './event-log.ts';
import { GlassToGlassMeter } from './glass-to-glass.ts';
import { allowlistCovers, ingestTarget, localPreset, PLATFORM_PRESETS, type IngestPreset } from './ingest-presets.ts';
import { formatBytes, StatsPanel } from './stats-panel.ts';
import { startTestPattern, type TestPattern } from './test-pattern.ts';

type SourceKind = 'camera' | 'screen' | 'pattern' | 'file';

/** `document.getElementById`, typed, throwing when the page lacks the element. */
function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page: #${id} is missing`);
  return el as T;
}

const ui = {
  serverChip: $('server-chip'),
  serverChipText: $('server-chip-text'),
  themeToggle: $<HTMLButtonElement>('theme-toggle'),
  missing: $('elements-missing'),
  missingText: $('elements-missing-text'),
  publisher: $('publisher') as PublisherElement,
  publisherState: $('publisher-state'),
  preview: $<HTMLVideoElement>('preview'),
  previewEmpty: $('preview-empty'),
  liveBadge: $('live-badge'),
  sourcePicker: $('source-picker'),
  fileRow: $('file-row'),
  fileInput: $<HTMLInputElement>('file-input'),
  fileName: $('file-name'),
  fileLoop: $<HTMLInputElement>('file-loop'),
  preset: $<HTMLSelectElement>('preset'),
  serverUrl: $<HTMLInputElement>('server-url'),
  streamKey: $<HTMLInputElement>('stream-key'),
  keyToggle: $<HTMLButtonElement>('key-toggle'),
  presetNote: $('preset-note'),
  videoCodec: $<HTMLSelectElement>('video-codec'),
  resolution: $<HTMLSelectElement>('resolution'),
  videoBitrate: $<HTMLInputElement>('video-bitrate'),
  framerate: $<HTMLSelectElement>('framerate'),
  audioCodec: $<HTMLSelectElement>('audio-codec'),
  keyframeInterval: $<HTMLInputElement>('keyframe-interval'),
  goLive: $<HTMLButtonElement>('go-live'),
  stopPublish: $<HTMLButtonElement>('stop-publish'),
  player: $('player') as PlayerElement,
  playerState: $('player-state'),
  playerEmpty: $('player-empty'),
  playUrl: $<HTMLInputElement>('play-url'),
  latency: $<HTMLSelectElement>('latency'),
  bridgeUrl: $<HTMLInputElement>('bridge-url'),
  playNote: $('play-note'),
  play: $<HTMLButtonElement>('play'),
  stopPlay: $<HTMLButtonElement>('stop-play'),
  snapshot: $<HTMLButtonElement>('snapshot'),
  embedTabs: $('embed-tabs'),
  embedCode: $('embed-code'),
  copyEmbed: $<HTMLButtonElement>('copy-embed'),
  log: $<HTMLOListElement>('log'),
  clearLog: $<HTMLButtonElement>('clear-log'),
  footerServers: $('footer-servers'),
};

/** Replaces the current stream key in text meant for the log. */
function redact(text: string): string {
  let out = text;
  const key = ui.streamKey.value;
  if (key.length >= 3) out = out.split(key).join('••••');
  return out;
}

const log = new EventLog(ui.log, redact);

// ---- theme -----------------------------------------------------------------

const THEME_KEY = 'rtmp-web-theme';
function applyTheme(theme: string | null): void {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}
applyTheme(localStorage.getItem(THEME_KEY));
ui.themeToggle.addEventListener('click', () => {
  const current = document.documentElement.dataset.theme ?? (matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
  const next = current === 'dark' ? 'light' : 'dark';
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
  publisherPanel.redraw();
  playerPanel.redraw();
});

// ---- stats -----------------------------------------------------------------

const publisherPanel = new StatsPanel<PublisherStatsView>(
  $('publisher-metrics'),
  $('publisher-details'),
  [
    { label: 'Upload', unit: 'kbps', read: (s) => s.bitrateKbps, minScale: 500, colorVar: '--c-bitrate' },
    { label: 'Frame rate', unit: 'fps', read: (s) => s.fps, minScale: 30, colorVar: '--c-fps' },
    { label: 'Send queue', unit: 'ms', read: (s) => s.queueMs, minScale: 100, colorVar: '--c-queue' },
  ],
  [
    { label: 'Codecs', read: (s) => [s.videoCodec, s.audioCodec].filter(Boolean).join(' · ') },
    { label: 'Frames encoded', read: (s) => s.framesEncoded.toLocaleString('en-US') },
    { label: 'Frames dropped', read: (s) => s.framesDropped.toLocaleString('en-US') },
    { label: 'Sent', read: (s) => formatBytes(s.bytesSent) },
    { label: 'Reconnects', read: (s) => String(s.reconnects) },
  ],
);

/** The player's stats plus what the page measures itself. */
type PlayerView = PlayerStatsView & {
  /** From the test pattern's timecode on the player's picture (glass-to-glass.ts); undefined when it is not readable. */
  glassToGlassMs: number | undefined;
};

/** A number in a stats object that an older build of the element may not have yet. */
function optionalNumber(stats: object, key: string): number | undefined {
  const v = (stats as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Counts, as "1,234", or '' when the element does not report it. */
function count(stats: object, key: string): string {
  return optionalNumber(stats, key)?.toLocaleString('en-US') ?? '';
}

/** `v` as "1,234 ms" (with a sign when `signed`), or '' when undefined. */
function ms(v: number | undefined, signed = false): string {
  if (v === undefined) return '';
  return `${signed && v > 0 ? '+' : ''}${Math.round(v).toLocaleString('en-US')} ms`;
}

const playerPanel = new StatsPanel<PlayerView>(
  $('player-metrics'),
  $('player-details'),
  [
    {
      label: 'Glass to glass',
      note: 'test pattern drawn → shown in the player',
      title: 'Read from the timecode the test pattern draws into every frame: capture, encoding, upload, server, bridge, player buffer, decoding and drawing. Only with the test pattern.',
      unit: 'ms',
      read: (s) => s.glassToGlassMs,
      optional: true,
      wide: true,
      minScale: 1000,
      colorVar: '--c-latency',
    },
    { label: 'Download', unit: 'kbps', read: (s) => s.bitrateKbps, minScale: 500, colorVar: '--c-bitrate' },
    {
      label: 'Player delay',
      note: 'arrival → shown',
      title: "The player's own delay: from media arriving at the player to it being on screen. Not glass to glass: capture, encoding, upload, server and bridge come before it.",
      unit: 'ms',
      read: (s) => s.playerDelayMs,
      minScale: 1000,
      colorVar: '--c-latency',
    },
    { label: 'Frame rate', unit: 'fps', read: (s) => s.fps, minScale: 30, colorVar: '--c-fps' },
  ],
  [
    { label: 'Codecs', read: (s) => [s.videoCodec, s.audioCodec].filter(Boolean).join(' · ') },
    { label: 'Resolution', read: (s) => (s.width > 0 ? `${s.width}×${s.height}` : '') },
    { label: 'Frames decoded', read: (s) => s.framesDecoded.toLocaleString('en-US') },
    { label: 'Shown / dropped / skipped', read: (s) => ['framesShown', 'framesDropped', 'framesSkipped'].map((k) => count(s, k) || '–').join(' / ') },
    { label: 'Delay target', read: (s) => ms(optionalNumber(s, 'targetLatencyMs')) },
    { label: 'A/V sync (picture ahead)', read: (s) => (s.audioCodec ? ms(optionalNumber(s, 'avSyncMs'), true) : '') },
    { label: 'Buffer', read: (s) => `${Math.round(s.bufferMs)} ms` },
    { label: 'Received', read: (s) => formatBytes(s.bytesReceived) },
    { label: 'Reconnects', read: (s) => String(s.reconnects) },
  ],
);

/**
 * Firefox blocks the page for up to 10 s when it reads a canvas that a
 * worker draws into (glass-to-glass.ts): there the meter reads the player's
 * snapshots instead.
 */
const workerCanvasReadBlocks = /\bFirefox\//.test(navigator.userAgent);

/** Reads the test pattern's timecode off the player's picture (the canvas in its shadow root) while the player plays. */
const glassToGlass = new GlassToGlassMeter(
  () => ui.player.shadowRoot?.querySelector('canvas'),
  workerCanvasReadBlocks ? { snapshot: () => ui.player.snapshot('image/png') } : {},
);

/** The element's stats, or undefined when the element is not upgraded or idle. */
function statsOf<S extends { state: string }>(el: HTMLElement & { stats?: S }): S | undefined {
  try {
    const s = el.stats;
    return s && s.state !== 'idle' ? s : undefined;
  } catch {
    return undefined;
  }
}

setInterval(() => {
  publisherPanel.sample(statsOf(ui.publisher));
  const player = statsOf(ui.player);
  playerPanel.sample(player && { ...player, glassToGlassMs: glassToGlass.latencyMs });
}, 500);
addEventListener('resize', () => {
  publisherPanel.redraw();
  playerPanel.redraw();
});

// ---- config, presets -------------------------------------------------------

let config: DemoConfig;
let presets: IngestPreset[] = [];
let playUrlEdited = false;

function randomStreamName(): string {
  return `demo-${Math.random().toString(36).slice(2, 8)}`;
}

function currentPreset(): IngestPreset {
  return presets.find((p) => p.id === ui.preset.value) ?? presets[0]!;
}

function isAllowed(target: string | undefined): boolean {
  return target !== undefined && allowlistCovers(config.allow, target);
}

/** Text plus `<code>` spans, built without innerHTML so nothing user-typed is parsed. */
function richText(host: HTMLElement, parts: (string | { code: string } | { ok: string } | { warn: string })[]): void {
  host.replaceChildren(
    ...parts.map((p) => {
      if (typeof p === 'string') return document.createTextNode(p);
      const el = document.createElement('code' in p ? 'code' : 'span');
      if ('code' in p) el.textContent = p.code;
      else if ('ok' in p) ((el.className = 'ok'), (el.textContent = p.ok));
      else ((el.className = 'warn'), (el.textContent = p.warn));
      return el;
    }),
  );
}

function updatePresetNote(): void {
  const preset = currentPreset();
  const target = ingestTarget(ui.serverUrl.value);
  if (preset.id === 'local') {
    richText(ui.presetNote, [
      { ok: '✓ ' },
      'The embedded server. ',
      preset.keyHint,
      ' Also playable as HTTP-FLV: ',
      { code: `${config.httpFlvUrl}<name>.flv` },
    ]);
    return;
  }
  const parts: Parameters<typeof richText>[1] = [preset.keyHint, ' '];
  if (target === undefined) parts.push({ warn: 'Enter an rtmp:// or rtmps:// URL.' });
  else if (isAllowed(target)) parts.push({ ok: `✓ The bridge allows ${target}.` });
  else parts.push({ warn: 'Remote ingests need the bridge to allow them: ' }, { code: `npm start -- --allow ${target}` });
  if (!preset.playable) parts.push(' Platforms do not serve RTMP playback: watch it on the platform.');
  richText(ui.presetNote, parts);
}

function syncPlayUrl(): void {
  if (playUrlEdited || currentPreset().id !== 'local') return;
  const name = ui.streamKey.value.trim() || 'stream';
  ui.playUrl.value = `${config.rtmpUrl}/${name}`;
  renderEmbed();
}

function selectPreset(id: string): void {
  ui.preset.value = id;
  const preset = currentPreset();
  if (preset.id !== 'custom') ui.serverUrl.value = preset.url;
  if (preset.id === 'local') {
    if (!ui.streamKey.value) ui.streamKey.value = randomStreamName();
  } else if (ui.streamKey.value.startsWith('demo-')) {
    ui.streamKey.value = '';
  }
  ui.streamKey.placeholder = preset.id === 'local' ? 'stream name' : 'stream key from the platform';
  updatePresetNote();
  syncPlayUrl();
}

ui.preset.addEventListener('change', () => selectPreset(ui.preset.value));
ui.serverUrl.addEventListener('input', () => {
  if (currentPreset().id !== 'custom' && ui.serverUrl.value !== currentPreset().url) ui.preset.value = 'custom';
  updatePresetNote();
});
ui.streamKey.addEventListener('input', syncPlayUrl);
ui.keyToggle.addEventListener('click', () => {
  const show = ui.streamKey.type === 'password';
  ui.streamKey.type = show ? 'text' : 'password';
  ui.keyToggle.textContent = show ? 'Hide' : 'Show';
  ui.keyToggle.setAttribute('aria-pressed', String(show));
});
ui.playUrl.addEventListener('input', () => {
  playUrlEdited = true;
  renderEmbed();
});
ui.bridgeUrl.addEventListener('input', renderEmbed);

// ---- sources ---------------------------------------------------------------

let source: SourceKind = 'camera';
let file: File | undefined;
let activeStream: MediaStream | undefined;
let activePattern: TestPattern | undefined;
let previewObjectUrl: string | undefined;

ui.sourcePicker.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-source]');
  if (!button) return;
  source = button.dataset.source as SourceKind;
  for (const b of ui.sourcePicker.querySelectorAll('button')) b.setAttribute('aria-checked', String(b === button));
  ui.fileRow.hidden = source !== 'file';
});
ui.fileInput.addEventListener('change', () => {
  file = ui.fileInput.files?.[0];
  ui.fileName.textContent = file ? `${file.name} · ${formatBytes(file.size)}` : 'No file chosen';
});

function resolution(): { width: number; height: number } {
  const [w, h] = ui.resolution.value.split('x').map(Number);
  return { width: w ?? 1280, height: h ?? 720 };
}

/** Opens the chosen source and shows it in the preview. */
async function openSource(): Promise<PublisherSource> {
  const { width, height } = resolution();
  const frameRate = Number(ui.framerate.value);
  switch (source) {
    case 'camera': {
      try {
        activeStream = await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate }, audio: true });
      } catch (e) {
        log.add('demo', 'info', `camera with microphone failed (${(e as Error).name}); trying the camera alone`);
        activeStream = await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate } });
      }
      break;
    }
    case 'screen':
      activeStream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate }, audio: true });
      break;
    case 'pattern':
      activePattern = startTestPattern(width, height, frameRate);
      activeStream = activePattern.stream;
      break;
    case 'file': {
      if (!file) throw new Error('choose an MP4 file first');
      previewObjectUrl = URL.createObjectURL(file);
      ui.preview.srcObject = null;
      ui.preview.src = previewObjectUrl;
      ui.preview.loop = true;
      void ui.preview.play().catch(() => undefined);
      ui.previewEmpty.hidden = true;
      return file;
    }
  }
  ui.preview.srcObject = activeStream;
  void ui.preview.play().catch(() => undefined);
  ui.previewEmpty.hidden = true;
  // The user can end a screen share from the browser's own UI.
  activeStream.getVideoTracks()[0]?.addEventListener('ended', () => void stopPublishing());
  return activeStream;
}

function closeSource(): void {
  activePattern?.stop();
  activePattern = undefined;
  for (const t of activeStream?.getTracks() ?? []) t.stop();
  activeStream = undefined;
  ui.preview.srcObject = null;
  ui.preview.removeAttribute('src');
  ui.preview.load();
  if (previewObjectUrl) URL.revokeObjectURL(previewObjectUrl);
  previewObjectUrl = undefined;
  ui.previewEmpty.hidden = false;
}

// ---- publishing ------------------------------------------------------------

let publishing = false;

function setPublisherAttributes(): void {
  const { width, height } = resolution();
  const p = ui.publisher;
  p.setAttribute('url', ui.serverUrl.value.trim());
  // The key goes in as a property, so it never appears as an attribute in the DOM.
  if ('streamKey' in p) p.streamKey = ui.streamKey.value.trim();
  else p.setAttribute('stream-key', ui.streamKey.value.trim());
  p.setAttribute('bridge', ui.bridgeUrl.value.trim());
  p.setAttribute('video-codec', ui.videoCodec.value);
  p.setAttribute('video-bitrate', String(Number(ui.videoBitrate.value) || 2500));
  p.setAttribute('width', String(width));
  p.setAttribute('height', String(height));
  p.setAttribute('framerate', ui.framerate.value);
  p.setAttribute('keyframe-interval', String(Number(ui.keyframeInterval.value) || 2));
  p.setAttribute('audio-codec', ui.audioCodec.value);
  p.setAttribute('audio-bitrate', '128');
}

async function goLive(): Promise<void> {
  if (publishing) return;
  if (!ingestTarget(ui.serverUrl.value)) {
    ui.serverUrl.focus();
    log.add('demo', 'error', 'the server URL must start with rtmp:// or rtmps://');
    return;
  }
  if (!ui.streamKey.value.trim()) {
    ui.streamKey.focus();
    log.add('demo', 'error', 'enter a stream key (for this machine, any name)');
    return;
  }
  if (typeof ui.publisher.start !== 'function') {
    log.add('demo', 'error', '<rtmp-publisher> is not registered');
    return;
  }
  publishing = true;
  ui.goLive.disabled = true;
  ui.stopPublish.disabled = false;
  publisherPanel.reset();
  try {
    const media = await openSource();
    setPublisherAttributes();
    log.add('demo', 'info', `going live to ${redact(ui.serverUrl.value.trim())} (${source})`);
    await ui.publisher.start(media, media instanceof Blob ? { loop: ui.fileLoop.checked } : undefined);
  } catch (e) {
    log.add('publisher', 'error', `${(e as Error).name}: ${(e as Error).message}`);
    await stopPublishing();
  }
}

async function stopPublishing(): Promise<void> {
  if (!publishing) return;
  publishing = false;
  try {
    await ui.publisher.stop?.();
  } catch (e) {
    log.add('publisher', 'error', (e as Error).message);
  }
  closeSource();
  ui.goLive.disabled = false;
  ui.stopPublish.disabled = true;
  ui.liveBadge.hidden = true;
}

ui.goLive.addEventListener('click', () => void goLive());
ui.stopPublish.addEventListener('click', () => void stopPublishing());

ui.publisher.addEventListener('statechange', (e) => {
  const state = (e as CustomEvent<{ state: string }>).detail.state;
  ui.publisherState.dataset.state = state;
  ui.publisherState.textContent = state;
  ui.liveBadge.hidden = state !== 'publishing';
  log.add('publisher', 'info', `state: ${state}`);
  if (state === 'publishing' && currentPreset().playable && !playerActive()) {
    // The first minute: what you publish here plays back on the right.
    setTimeout(() => void startPlaying(), 600);
  }
  if ((state === 'stopped' || state === 'error') && publishing) {
    publishing = false;
    closeSource();
    ui.goLive.disabled = false;
    ui.stopPublish.disabled = true;
  }
});
ui.publisher.addEventListener('status', (e) => {
  const d = (e as CustomEvent<{ code: string; description?: string }>).detail;
  log.add('publisher', 'status', d.description ? `${d.code} · ${d.description}` : d.code);
});
ui.publisher.addEventListener('error', (e) => {
  const d = (e as unknown as CustomEvent<ElementErrorDetail>).detail;
  log.add('publisher', 'error', `${d.code}${d.fatal ? ' (fatal)' : ''}: ${d.message}`);
});

// ---- playing ---------------------------------------------------------------

let playerState = 'idle';
function playerActive(): boolean {
  return !['idle', 'stopped', 'error'].includes(playerState);
}

async function startPlaying(): Promise<void> {
  if (typeof ui.player.play !== 'function') {
    log.add('demo', 'error', '<rtmp-player> is not registered');
    return;
  }
  const src = ui.playUrl.value.trim();
  if (!ingestTarget(src)) {
    ui.playUrl.focus();
    log.add('demo', 'error', 'the stream URL must start with rtmp:// or rtmps://');
    return;
  }
  ui.player.setAttribute('src', src);
  ui.player.setAttribute('bridge', ui.bridgeUrl.value.trim());
  ui.player.setAttribute('latency', ui.latency.value);
  playerPanel.reset();
  try {
    await ui.player.play();
  } catch (e) {
    log.add('player', 'error', `${(e as Error).name}: ${(e as Error).message}`);
  }
}

ui.play.addEventListener('click', () => void startPlaying());
ui.stopPlay.addEventListener('click', () => void Promise.resolve(ui.player.stop?.()).catch(() => undefined));
ui.latency.addEventListener('change', () => ui.player.setAttribute('latency', ui.latency.value));
ui.snapshot.addEventListener('click', async () => {
  try {
    const blob = await ui.player.snapshot('image/png');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `rtmp-web-snapshot-${Date.now()}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    log.add('demo', 'info', `snapshot saved (${formatBytes(blob.size)})`);
  } catch (e) {
    log.add('player', 'error', `snapshot: ${(e as Error).message}`);
  }
});

ui.player.addEventListener('statechange', (e) => {
  playerState = (e as CustomEvent<{ state: string }>).detail.state;
  ui.playerState.dataset.state = playerState;
  ui.playerState.textContent = playerState;
  ui.playerEmpty.hidden = playerActive() || playerState === 'stopped';
  ui.stopPlay.disabled = !playerActive();
  ui.play.disabled = ['connecting', 'buffering', 'playing', 'reconnecting'].includes(playerState);
  ui.snapshot.disabled = playerState !== 'playing' && playerState !== 'paused';
  if (playerState === 'playing') glassToGlass.start();
  else if (!playerActive()) glassToGlass.stop();
  log.add('player', 'info', `state: ${playerState}`);
});
ui.player.addEventListener('status', (e) => {
  const d = (e as CustomEvent<{ code: string; description?: string }>).detail;
  log.add('player', 'status', d.description ? `${d.code} · ${d.description}` : d.code);
});
ui.player.addEventListener('metadata', (e) => {
  const m = (e as CustomEvent<Record<string, unknown>>).detail ?? {};
  const bits = ['width', 'height', 'framerate', 'videocodecid', 'audiocodecid', 'encoder']
    .filter((k) => m[k] !== undefined)
    .map((k) => `${k}=${String(m[k])}`);
  log.add('player', 'info', `metadata ${bits.join(' ')}`);
});
ui.player.addEventListener('error', (e) => {
  const d = (e as unknown as CustomEvent<ElementErrorDetail>).detail;
  log.add('player', 'error', `${d.code}${d.fatal ? ' (fatal)' : ''}: ${d.message}`);
});

// ---- embed -----------------------------------------------------------------

let embedTab = 'player';

function embedTarget(): EmbedTarget {
  return {
    src: ui.playUrl.value.trim() || `${config.rtmpUrl}/stream`,
    bridge: ui.bridgeUrl.value.trim(),
    scriptUrl: '/rtmp.js',
  };
}

/** HTML-escapes text. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Colours tags, attribute names, strings and comments in one pass, escaping everything. */
function highlight(code: string): string {
  const token = /(\/\/[^\n]*)|(<\/?[a-zA-Z][\w-]*)|\b([a-z][\w-]*)(?==)|("[^"\n]*"|'[^'\n]*')/g;
  let out = '';
  let last = 0;
  for (const m of code.matchAll(token)) {
    out += escapeHtml(code.slice(last, m.index));
    const cls = m[1] !== undefined ? 'tok-com' : m[2] !== undefined ? 'tok-tag' : m[3] !== undefined ? 'tok-attr' : 'tok-str';
    out += `<span class="${cls}">${escapeHtml(m[0])}</span>`;
    last = m.index + m[0].length;
  }
  return out + escapeHtml(code.slice(last));
}

function renderEmbed(): void {
  if (!config) return;
  const t = embedTarget();
  const code =
    embedTab === 'player' ? htmlPlayerSnippet(t) : embedTab === 'publisher' ? htmlPublisherSnippet(t, ui.serverUrl.value.trim()) : npmSnippet(t);
  // highlight() escapes every character it emits.
  ui.embedCode.innerHTML = highlight(code);
  ui.embedCode.dataset.raw = code;
}

ui.embedTabs.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-tab]');
  if (!button) return;
  embedTab = button.dataset.tab ?? 'player';
  for (const b of ui.embedTabs.querySelectorAll('button')) b.setAttribute('aria-selected', String(b === button));
  renderEmbed();
});
ui.copyEmbed.addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(ui.embedCode.dataset.raw ?? '');
    ui.copyEmbed.textContent = 'Copied';
  } catch {
    getSelection()?.selectAllChildren(ui.embedCode);
    ui.copyEmbed.textContent = 'Press Ctrl+C';
  }
  setTimeout(() => (ui.copyEmbed.textContent = 'Copy'), 1500);
});
ui.clearLog.addEventListener('click', () => log.clear());

// ---- start -----------------------------------------------------------------

async function registerElements(): Promise<void> {
  try {
    await import('@rtmp-web/elements');
  } catch (e) {
    log.add('demo', 'error', `loading the elements failed: ${(e as Error).message}`);
  }
  const missing = ['rtmp-publisher', 'rtmp-player'].filter((n) => !customElements.get(n));
  if (missing.length > 0) {
    ui.missing.hidden = false;
    ui.missingText.textContent = `${missing.map((n) => `<${n}>`).join(' and ')} did not register, so ${missing.length > 1 ? 'they do' : 'it does'} nothing yet.`;
  }
}

async function main(): Promise<void> {
  $('insecure-context').hidden = window.isSecureContext;
  const loaded = await loadDemoConfig();
  config = loaded.config;
  presets = [localPreset(config.rtmpUrl), ...PLATFORM_PRESETS];
  ui.preset.replaceChildren(...presets.map((p) => new Option(p.label, p.id)));
  ui.bridgeUrl.value = config.bridgeUrl;
  ui.serverChip.dataset.ok = String(loaded.served);
  ui.serverChipText.textContent = loaded.served ? config.rtmpUrl : 'not started by npm start: defaults';
  ui.footerServers.textContent = `bridge ${config.bridgeUrl} · allows ${config.allow.join(', ')}`;
  richText(ui.playNote, [
    'Plays through the bridge at ',
    { code: config.bridgeUrl },
    '. Any server the bridge allows works, e.g. a stream from ',
    { code: `ffmpeg -re -i file.mp4 -c copy -f flv ${config.rtmpUrl}/test` },
    '.',
  ]);
  selectPreset('local');
  renderEmbed();
  await registerElements();
  document.body.dataset.ready = 'true';
}

void main();
