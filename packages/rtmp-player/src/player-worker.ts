/**
 * The player's Web Worker: everything from the socket to the decoders and
 * the canvas runs here (WebSocket → core → FLV → WebCodecs → OffscreenCanvas
 * and the audio worklet's port). This file is only the message plumbing:
 * commands in, replies and events out (see worker-protocol.ts); the work is
 * in {@link PlayerSession}.
 */
import { probeDecoders } from './codec-support.ts';
import { PlayerSession } from './player-session.ts';
import { PlayerErrorCode } from './player-errors.ts';
import type { PlayerCommand, PlayerEvent } from './worker-protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
// Which codecs connect declares: asked of WebCodecs now, while the page still sets up.
void probeDecoders();
let session: PlayerSession | null = null;

function post(e: PlayerEvent, transfer: Transferable[] = []): void {
  scope.postMessage(e, transfer);
}

function reply(id: number, run: () => unknown): void {
  Promise.resolve()
    .then(run)
    .then(
      (value) => post({ type: 'reply', id, ok: true, value }),
      (e: unknown) => {
        const err = e as { code?: unknown; message?: unknown };
        post({ type: 'reply', id, ok: false, error: { code: typeof err.code === 'string' ? err.code : 'ERROR', message: String(err.message ?? e) } });
      },
    );
}

function need(): PlayerSession {
  if (session === null) throw Object.assign(new Error('worker not initialised'), { code: 'INVALID_STATE' });
  return session;
}

scope.onmessage = (ev: MessageEvent) => {
  const c = ev.data as PlayerCommand;
  switch (c.type) {
    case 'init':
      session?.dispose();
      session = new PlayerSession(post, c.canvas);
      reply(c.id, () => undefined);
      break;
    case 'play':
      reply(c.id, () => need().play(c.options));
      break;
    case 'pause':
      reply(c.id, () => need().pause());
      break;
    case 'stop':
      reply(c.id, () => need().stop());
      break;
    case 'set-latency':
      session?.setLatency(c.latency);
      break;
    case 'select-track':
      session?.selectTrack(c.kind, c.id);
      break;
    case 'audio-output':
      session?.attachAudio(c.audioPort, c.audioOutputLatencyMs);
      break;
    case 'snapshot':
      reply(c.id, () => need().snapshot(c.mimeType, c.quality));
      break;
    case 'capture-audio':
      reply(c.id, () => need().captureAudio(c.durationMs));
      break;
  }
};

// Nothing may escape as an uncaught exception: report it as a (non-fatal) error event.
scope.addEventListener('error', (e) => {
  e.preventDefault();
  post({ type: 'error', error: { code: PlayerErrorCode.Internal, message: String(e.message), fatal: false } });
});
scope.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  post({ type: 'error', error: { code: PlayerErrorCode.Internal, message: String((e.reason as Error)?.message ?? e.reason), fatal: false } });
});
