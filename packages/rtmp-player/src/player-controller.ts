/**
 * The element's side of the player worker, as a Lit ReactiveController: it
 * creates the worker, the canvas (handed to the worker with
 * transferControlToOffscreen), the AudioContext with its worklet and the
 * MessageChannel between worklet and worker; sends commands with
 * id-correlated replies; hands worker events to the element; and tears it
 * all down when the element leaves the document.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { PlayerErrorCode } from './player-errors.ts';
import { AUDIO_PROCESSOR_NAME, audioWorkletModuleUrl } from './audio-worklet-processor.ts';
import { commandTransfer, type PlayerCommand, type PlayerEvent } from './worker-protocol.ts';

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

/** See the file comment. */
export class PlayerController implements ReactiveController {
  private worker: Worker | null = null;
  private audioContext: AudioContext | null = null;
  private gain: GainNode | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private volume = 1;
  private muted = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    /** Where the canvas goes (the element's video container). */
    private readonly container: () => HTMLElement | null,
    /** Every worker event that is not a reply. */
    private readonly onEvent: (e: PlayerEvent) => void,
  ) {
    host.addController(this);
  }

  /** Nothing to do until the first play. */
  hostConnected(): void {}

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

  /** Resumes the AudioContext (call from a user gesture: autoplay policies). */
  resumeAudio(): void {
    if (this.audioContext?.state === 'suspended') void this.audioContext.resume().catch(() => {});
  }

  /** Ends everything; a later {@link ensure} starts afresh. */
  dispose(): void {
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
    const canvas = document.createElement('canvas');
    canvas.setAttribute('part', 'canvas');
    this.container()?.append(canvas);
    this.canvas = canvas;
    const offscreen = canvas.transferControlToOffscreen();
    const worker = new Worker(new URL('./player-worker.ts', import.meta.url), { type: 'module', name: 'rtmp-player' });
    this.worker = worker;
    worker.onmessage = (ev: MessageEvent) => this.receive(ev.data as PlayerEvent);
    worker.onerror = (ev) => {
      ev.preventDefault();
      this.onEvent({ type: 'error', error: { code: PlayerErrorCode.WorkerError, message: `player worker failed: ${ev.message}`, fatal: true } });
    };
    const { port, latencyMs } = await this.setUpAudio();
    await this.send({ type: 'init', canvas: offscreen, audioPort: port, audioOutputLatencyMs: latencyMs });
  }

  /** The AudioContext, the worklet and its port to the worker; no audio (null) where that fails. */
  private async setUpAudio(): Promise<{ port: MessagePort | null; latencyMs: number }> {
    try {
      const ctx = new AudioContext({ latencyHint: 'interactive' });
      this.audioContext = ctx;
      await ctx.audioWorklet.addModule(audioWorkletModuleUrl());
      const node = new AudioWorkletNode(ctx, AUDIO_PROCESSOR_NAME, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2] });
      const gain = ctx.createGain();
      gain.gain.value = this.muted ? 0 : this.volume;
      node.connect(gain).connect(ctx.destination);
      this.gain = gain;
      const channel = new MessageChannel();
      node.port.postMessage({ port: channel.port1 }, [channel.port1]);
      if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
      return { port: channel.port2, latencyMs: (ctx.baseLatency + (ctx.outputLatency || 0)) * 1000 };
    } catch (e) {
      this.onEvent({ type: 'error', error: { code: PlayerErrorCode.AudioUnavailable, message: `no audio output: ${String(e)}`, fatal: false } });
      return { port: null, latencyMs: 0 };
    }
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
