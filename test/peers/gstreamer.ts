/**
 * GStreamer 1.22 (Debian's gst-launch-1.0 with rtmp2 from plugins-bad) as an
 * independent RTMP peer: its `rtmp2sink` publishes H.264 + AAC made by
 * x264enc and an AAC encoder, its `rtmp2src` plays a stream back through
 * flvdemux and libav's decoders. rtmp2 is GStreamer's own RTMP
 * implementation (not librtmp), so it is a third client besides FFmpeg's.
 *
 * Every process is bounded in time (a kill timer), stopped with SIGINT (so
 * `-e` sends EOS and rtmp2sink unpublishes) then SIGKILL, and keeps its
 * stderr for failure messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** A running gst-launch-1.0. */
export interface GstProcess {
  child: ChildProcess;
  /** What it printed on stderr (the tail, bounded): ERROR/WARNING messages. */
  stderr(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** SIGINT (EOS with `-e`), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Keeps at most the last ~100 KB of a stream's text. */
function tail(text: string): string {
  return text.length > 200_000 ? text.slice(-100_000) : text;
}

/**
 * Runs `gst-launch-1.0 -e [-v] <pipeline>` (`eos: false`: without `-e`, so
 * SIGINT stops it at once instead of waiting for EOS to reach every sink);
 * killed after `maxMs`.
 * `onStdoutLine` sees every stdout line (with `-v`, caps and fakesink's
 * per-buffer messages).
 */
export function spawnGstLaunch(pipeline: string, o: { maxMs?: number; verbose?: boolean; eos?: boolean; onStdoutLine?: (line: string) => void } = {}): GstProcess {
  // gst-launch takes each argument as one token (it escapes spaces inside one), so the
  // description goes in split at its spaces (no value in ours has one).
  const args = [...(o.eos === false ? [] : ['-e']), ...(o.verbose ? ['-v'] : []), ...pipeline.split(/\s+/).filter((t) => t !== '')];
  const child = spawn('gst-launch-1.0', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err = tail(err + b.toString())));
  let partial = '';
  child.stdout?.on('data', (b: Buffer) => {
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop() ?? '';
    if (o.onStdoutLine) for (const line of lines) o.onStdoutLine(line);
  });
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.maxMs ?? 120_000);
  void exited.then(() => clearTimeout(timer));
  return {
    child,
    stderr: () => err,
    exited,
    async stop(graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** What {@link gstPublish} sends. */
export interface GstSourceOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Keyframe interval in frames (x264enc key-int-max; default fps). */
  gop?: number;
  /** Video bitrate, kbit/s (default 800). */
  videoKbps?: number;
  /** Tone frequency, Hz (default 440). */
  toneHz?: number;
  sampleRate?: number;
  channels?: number;
  /** The AAC encoder element (default: the first of avenc_aac, voaacenc, fdkaacenc that exists). */
  aacEncoder?: string;
}

/** AAC encoders to try, in order: libav's (gstreamer1.0-libav), then VisualOn's and FDK's (plugins-bad, when built with them). */
const AAC_ENCODERS = ['avenc_aac', 'voaacenc', 'fdkaacenc'] as const;

/** True if this GStreamer has the element `name` (`gst-inspect-1.0 --exists`). */
function hasElement(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('gst-inspect-1.0', ['--exists', name], { stdio: 'ignore' });
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', () => resolve(false));
    child.on('close', (code) => {
      clearTimeout(t);
      resolve(code === 0);
    });
  });
}

let aacEncoder: Promise<string> | undefined;

/** The first AAC encoder of {@link AAC_ENCODERS} this GStreamer has. */
export function findAacEncoder(): Promise<string> {
  aacEncoder ??= (async () => {
    for (const e of AAC_ENCODERS) if (await hasElement(e)) return e;
    throw new Error(`GStreamer has none of the AAC encoders ${AAC_ENCODERS.join(', ')} (apt-get install gstreamer1.0-libav)`);
  })();
  return aacEncoder;
}

/** The AAC encoder's bitrate property: bits per second for all three. */
function aacEncoderElement(name: string): string {
  return `${name} bitrate=96000`;
}

/**
 * GStreamer publishes live to `url` (rtmp://host:port/app/name): SMPTE bars
 * (videotestsrc is-live, I420 into x264enc tune=zerolatency) and a sine tone
 * (audiotestsrc is-live), muxed by flvmux streamable=true into rtmp2sink.
 */
export async function gstPublish(url: string, o: GstSourceOptions = {}, maxMs = 120_000): Promise<GstProcess> {
  const w = o.width ?? 640;
  const h = o.height ?? 360;
  const fps = o.fps ?? 30;
  const encoder = o.aacEncoder ?? (await findAacEncoder());
  const pipeline = [
    `videotestsrc is-live=true pattern=smpte`,
    `! video/x-raw,width=${w},height=${h},framerate=${fps}/1,format=I420`,
    `! x264enc tune=zerolatency speed-preset=veryfast key-int-max=${o.gop ?? fps} bitrate=${o.videoKbps ?? 800}`,
    `! h264parse ! queue ! flvmux name=mux streamable=true ! rtmp2sink location=${url}`,
    `audiotestsrc is-live=true freq=${o.toneHz ?? 440} ! audioconvert ! audioresample`,
    `! audio/x-raw,rate=${o.sampleRate ?? 44100},channels=${o.channels ?? 2}`,
    `! ${aacEncoderElement(encoder)} ! aacparse ! queue ! mux.`,
  ].join(' ');
  return spawnGstLaunch(pipeline, { maxMs });
}

/** What {@link gstRead} decoded. */
export interface GstReadResult {
  /** gst-launch's exit code (or signal). */
  exit: number | string;
  /** Decoded video frames' pts (s), in output order. */
  video: number[];
  /** Decoded audio buffers' pts (s). */
  audio: number[];
  /** The decoded audio buffers' durations added up (s): the sound decoded, whatever the sample rate. */
  audioSeconds: number;
  /** The decoded caps each sink negotiated (the last seen), e.g. `video/x-raw, format=(string)I420, width=(int)640, …`. */
  videoCaps: string;
  audioCaps: string;
  /** The parsers' caps: what the stream carried (`video/x-h264, … profile=(string)…`, `audio/mpeg, mpegversion=(int)4, …`). */
  h264Caps: string;
  aacCaps: string;
  /** gst-launch's ERROR lines (stdout or stderr); empty when none. */
  errors: string;
  /** stderr's tail, for failure messages. */
  stderr: string;
}

/** "0:00:01.233333333" → 1.233333333 s. */
function clockTime(t: string): number {
  const [h, m, s] = t.split(':');
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/** A running {@link gstRead}. */
export interface GstReader extends GstProcess {
  /** Resolves when the pipeline has stopped: after `seconds`, an error, EOS or stop(). */
  result: Promise<GstReadResult>;
}

/**
 * GStreamer plays `url` for `seconds`: rtmp2src ! flvdemux, H.264 through
 * h264parse ! avdec_h264 and AAC through aacparse ! avdec_aac into fakesinks
 * (sync=false, silent=false) named vsink and asink, async=false so the
 * pipeline plays without prerolling both (a stream without audio would hold
 * the video sink's first frame for ever); with `-v`, each buffer a
 * sink takes is a stdout line with its pts, so counting them counts decoded
 * frames and audio buffers. Stopped with SIGINT after `seconds`.
 */
export function gstRead(url: string, seconds: number, maxMs = (seconds + 30) * 1000): GstReader {
  const video: number[] = [];
  const audio: number[] = [];
  let audioSeconds = 0;
  const caps = { video: '', audio: '', h264: '', aac: '' };
  const errors: string[] = [];
  // "/GstPipeline:pipeline0/GstFakeSink:asink: last-message = chain   ******* (asink:sink) (4096 bytes, dts: none, pts: 0:00:01.233333333, duration: 0:00:00.023219955, …"
  const chain = /\((vsink|asink):sink\) \(\d+ bytes, dts: [^,]*, pts: (\d+:\d\d:\d\d\.\d+)(?:, duration: (\d+:\d\d:\d\d\.\d+))?/;
  // "/GstPipeline:pipeline0/GstFakeSink:vsink.GstPad:sink: caps = video/x-raw, …"
  const capsLine = /:(vsink|asink|h264parse|aacparse)\.GstPad:(sink|src): caps = (.*)$/;
  const pipeline = [
    `rtmp2src location=${url} ! flvdemux name=demux`,
    `demux.video ! queue ! h264parse name=h264parse ! avdec_h264 ! fakesink name=vsink sync=false async=false silent=false`,
    `demux.audio ! queue ! aacparse name=aacparse ! avdec_aac ! fakesink name=asink sync=false async=false silent=false`,
  ].join(' ');
  const gst = spawnGstLaunch(pipeline, {
    maxMs,
    verbose: true,
    // A reader needs no EOS (and a sink whose pad never came would never see one).
    eos: false,
    onStdoutLine(line) {
      const c = chain.exec(line);
      if (c) {
        if (c[1] === 'vsink') video.push(clockTime(c[2]!));
        else {
          audio.push(clockTime(c[2]!));
          if (c[3] !== undefined) audioSeconds += clockTime(c[3]);
        }
        return;
      }
      const k = capsLine.exec(line);
      if (k) {
        const [, who, pad, value] = k;
        if (who === 'vsink') caps.video = value!;
        else if (who === 'asink') caps.audio = value!;
        else if (pad === 'src' && who === 'h264parse') caps.h264 = value!;
        else if (pad === 'src' && who === 'aacparse') caps.aac = value!;
        return;
      }
      if (line.startsWith('ERROR')) errors.push(line);
    },
  });
  const timer = setTimeout(() => void gst.stop(), seconds * 1000);
  const result = gst.exited.then((exit) => {
    clearTimeout(timer);
    const stderr = gst.stderr();
    const errs = [...errors, ...stderr.split('\n').filter((l) => l.startsWith('ERROR'))];
    return { exit, video, audio, audioSeconds, videoCaps: caps.video, audioCaps: caps.audio, h264Caps: caps.h264, aacCaps: caps.aac, errors: errs.join('\n'), stderr: stderr.slice(-4000) };
  });
  return {
    ...gst,
    result,
    async stop(graceMs) {
      clearTimeout(timer);
      await gst.stop(graceMs);
    },
  };
}
