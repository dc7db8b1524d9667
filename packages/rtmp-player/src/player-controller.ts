/**
 * The element's side of the player worker, as a Lit ReactiveController: it
 * creates the worker and the canvas (handed to the worker with
 * transferControlToOffscreen); sends commands with id-correlated replies;
 * hands worker events to the element; and tears it all down when the
 * element leaves the document.
 *
 * The canvas goes into the element's rendered container, so it waits for
 * Lit's first render: `play()` may come before it (`autoplay`, or a call
 * right after insertion), and a canvas made then would never be on screen.
 *
 * The audio output (an AudioContext with its worklet and the MessageChannel
 * between worklet and worker) is made lazily and apart from the rest, so it
 * never delays the first frame: on the first unmuted play, or on unmute.
 * Until it is there the worker plays video on its own clock.
 *
 * Starting a module worker costs 30–60 ms before it runs a line (headless
 * Chromium, 2 cores). So while an element sits in the page not yet playing
 * (waiting for a click on play, say), one spare worker loads at the next
 * idle moment, and the first play takes it: that time is off the time to
 * first frame. An element created and played at once gains nothing, and no
 * spare is kept once no element is waiting.
 *
 * The worker file sits beside the bundle, which may be on a CDN:
 * `startModuleWorker` starts it from there too (through a same-origin blob),
 * and directly, with no extra step, from the page's own origin.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { startModuleWorker } from '@rtmp-web/transport/worker';
import { PlayerErrorCode } from './player-errors.ts';
import { AUDIO_PROCESSOR_NAME, audioWorkletModuleUrl } from './audio-worklet-processor.ts';
import { commandTransfer, type PlayerCommand, type PlayerEvent } from './worker-protocol.ts';
// The built worker's URL (beside this module, wherever it is served from: a CDN too).
import playerWorkerUrl from './player-worker.ts?worker&url';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A command without its id (the controller assigns one). */
export type CommandBody = DistributiveOmit<Extract<PlayerCommand, { id: number }>, 'id'>;

/** An error a worker reply rejected with. */
export class PlayerCommandError extends Error {
  override readonly name = 'PlayerCommandError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function spawnWorker(): Worker {
  return startModuleWorker(playerWorkerUrl, { name: 'rtmp-player' });
}

/** The spare worker (see the file comment), the controllers that have no worker yet, and whether a spare is due. */
const spares = { worker: null as Worker | null, waiting: 0, scheduled: false };

/** Loads a spare worker at the next idle moment, while an element waits for its first play. */
function scheduleSpare(): void {
  if (spares.worker !== null || spares.scheduled || spares.waiting === 0) return;
  spares.scheduled = true;
  const start = (): void => {
    spares.scheduled = false;
    if (spares.worker !== null || spares.waiting === 0) return;
    try {
      const spare = spawnWorker();
      // A spare that cannot load is dropped, so the element's own worker reports why (its onerror is not set yet).
      spare.addEventListener('error', () => {
        if (spares.worker !== spare) return;
        spare.terminate();
        spares.worker = null;
      });
      spares.worker = spare;
    } catch {
      // No workers here: the element's own attempt reports it.
    }
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: 1000 });
  else setTimeout(start, 100);
}

/** A worker for a controller that had none: the spare if it is there, else a new one. */
function takeWorker(): Worker {
  const w = spares.worker ?? spawnWorker();
  spares.worker = null;
  return w;
}

/** A controller stopped waiting for its first worker (it took one, or left the page). */
function stopWaiting(): void {
  spares.waiting = Math.max(0, spares.waiting - 1);
  if (spares.waiting === 0) {
    spares.worker?.terminate();
    spares.worker = null;
  } else {
    scheduleSpare();
  }
}

/** See the file comment. */
export class PlayerController implements ReactiveController {
  private worker: Worker | null = null;
  private audioContext: AudioContext | null = null;
  private gain: GainNode | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private ready: Promise<void> | null = null;
  private audioStarted = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private volume = 1;
  private muted = false;
  /** Counted in `spares.waiting`: connected, no worker yet. */
  private waiting = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    /** Where the canvas goes (the element's video container). */
    private readonly container: () => HTMLElement | null,
    /** Every worker event that is not a reply. */
    private readonly onEvent: (e: PlayerEvent) => void,
  ) {
    host.addController(this);
  }

  /** Waiting for a first play: a spare worker may load meanwhile. */
  hostConnected(): void {
    if (this.worker !== null || this.waiting) return;
    this.waiting = true;
    spares.waiting++;
    scheduleSpare();
  }

  /** Keeps the canvas in the container across renders (a render that replaced the container). */
  hostUpdated(): void {
    const c = this.canvas;
    if (c !== null && c.parentElement !== this.container()) this.container()?.append(c);
  }

  /** Leaving the document ends the worker, the audio and the canvas. */
  hostDisconnected(): void {
    this.dispose();
  }

  /** Creates the worker, canvas and audio output once; later calls share the promise. */
  ensure(): Promise<void> {
    this.ready ??= this.setUp();
    return this.ready;
  }

  /** Sends a command and resolves with its reply's value. */
  async command<T = unknown>(body: CommandBody): Promise<T> {
    await this.ensure();
    return this.send<T>(body);
  }

  /** Sends a fire-and-forget command (no reply), if the worker exists. */
  notify(c: Exclude<PlayerCommand, { id: number }>): void {
    this.worker?.postMessage(c);
  }

  /** Output volume (0..1) and mute, applied with a GainNode (the audio clock keeps running when muted). */
  setVolume(volume: number, muted: boolean): void {
    this.volume = volume;
    this.muted = muted;
    if (this.gain !== null) this.gain.gain.value = muted ? 0 : volume;
  }

  /**
   * Makes the audio output, once, if there is none yet, and resumes it (call
   * it from play() and on unmute: a user gesture satisfies autoplay policies).
   * It never delays the video: the worker gets the output when it is ready.
   */
  startAudio(): void {
    if (this.audioContext?.state === 'suspended') void this.audioContext.resume().catch(() => {});
    if (this.audioStarted) return;
    this.audioStarted = true;
    void this.ensure()
      .then(() => this.setUpAudio())
      .catch(() => {
        /* disposed meanwhile, or reported by setUpAudio */
      });
  }

  private leaveWaiting(): void {
    if (!this.waiting) return;
    this.waiting = false;
    stopWaiting();
  }

  /** Ends everything; a later {@link ensure} starts afresh. */
  dispose(): void {
    this.leaveWaiting();
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new PlayerCommandError('STOPPED', 'the player was disposed'));
    this.pending.clear();
    void this.audioContext?.close().catch(() => {});
    this.audioContext = null;
    this.gain = null;
    this.canvas?.remove();
    this.canvas = null;
    this.ready = null;
    this.audioStarted = false;
  }

  private send<T>(body: CommandBody): Promise<T> {
    const w = this.worker;
    if (w === null) return Promise.reject(new PlayerCommandError('STOPPED', 'the player was disposed'));
    const id = this.nextId++;
    const c = { ...body, id } as PlayerCommand;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage(c, commandTransfer(c));
    });
  }

  private async setUp(): Promise<void> {
    // The worker loads while Lit renders.
    const worker = takeWorker();
    this.worker = worker;
    this.leaveWaiting();
    worker.onmessage = (ev: MessageEvent) => this.receive(ev.data as PlayerEvent);
    worker.onerror = (ev) => {
      ev.preventDefault();
      this.workerFailed(`player worker failed: ${ev.message}`);
    };
    await this.host.updateComplete;
    if (this.worker !== worker) throw new PlayerCommandError('STOPPED', 'the player was disposed');
    const container = this.container();
    if (container === null) throw new PlayerCommandError('INVALID_STATE', 'the element has no video container');
    const canvas = document.createElement('canvas');
    canvas.setAttribute('part', 'canvas');
    container.append(canvas);
    this.canvas = canvas;
    const offscreen = canvas.transferControlToOffscreen();
    // Not awaited: the play command queues right behind init, so the worker
    // starts connecting the moment it has loaded (init's reply only confirms).
    void this.send({ type: 'init', canvas: offscreen }).catch(() => {});
  }

  /** The AudioContext, the worklet and its port, handed to the worker; without audio (reported) where that fails. */
  private async setUpAudio(): Promise<void> {
    const worker = this.worker;
    let ctx: AudioContext | null = null;
    try {
      ctx = new AudioContext({ latencyHint: 'interactive' });
      this.audioContext = ctx;
      if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
      await ctx.audioWorklet.addModule(audioWorkletModuleUrl());
      if (this.worker !== worker || this.audioContext !== ctx) return; // disposed meanwhile
      const node = new AudioWorkletNode(ctx, AUDIO_PROCESSOR_NAME, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2] });
      const gain = ctx.createGain();
      gain.gain.value = this.muted ? 0 : this.volume;
      node.connect(gain).connect(ctx.destination);
      this.gain = gain;
      const channel = new MessageChannel();
      node.port.postMessage({ port: channel.port1 }, [channel.port1]);
      const c: PlayerCommand = { type: 'audio-output', audioPort: channel.port2, audioOutputLatencyMs: (ctx.baseLatency + (ctx.outputLatency || 0)) * 1000 };
      worker?.postMessage(c, commandTransfer(c));
    } catch (e) {
      // Disposed meanwhile (closing the context aborts a pending addModule): nothing to report.
      if (ctx !== null && this.audioContext !== ctx) return;
      this.onEvent({ type: 'error', error: { code: PlayerErrorCode.AudioUnavailable, message: `no audio output: ${String(e)}`, fatal: false } });
    }
  }

  /**
   * The worker could not load, or threw: a fatal WORKER_ERROR and the `error`
   * state; pending commands (a play() waiting for its reply) reject, and the
   * next play() starts a new worker.
   */
  private workerFailed(message: string): void {
    this.onEvent({ type: 'error', error: { code: PlayerErrorCode.WorkerError, message, fatal: true } });
    this.onEvent({ type: 'state', state: 'error' });
    for (const p of this.pending.values()) p.reject(new PlayerCommandError('STOPPED', message));
    this.pending.clear();
    this.dispose();
  }

  private receive(e: PlayerEvent): void {
    if (e.type !== 'reply') {
      this.onEvent(e);
      return;
    }
    const p = this.pending.get(e.id);
    if (p === undefined) return;
    this.pending.delete(e.id);
    if (e.ok) p.resolve(e.value);
    else p.reject(new PlayerCommandError(e.error.code, e.error.message));
  }
}
