// FFmpeg 8.1 (npm node-av, the library API; there is no CLI) in a process of
// its own: its calls run on libuv's thread pool and its read loops can keep a
// core busy, so the test process only spawns this and reads one result line.
//
// Usage: node test/peers/ffmpeg8-process.mjs '<json job>'
// Jobs (see test/peers/ffmpeg8.ts for the typed side):
//   { mode: 'publish', url, video, audio, seconds, width, height, fps, tones }
//       a live test pattern + sine tone(s), paced in real time, to an rtmp:// URL
//   { mode: 'write', path, video, audio, seconds, width, height, fps, tones }
//       the same, as fast as it encodes, into an FLV file
//   { mode: 'read', url, seconds, listen, openTimeoutMs }
//       reads an rtmp:// URL (or, with listen, accepts one publisher on it)
//       for `seconds` and decodes every packet
// Prints `@@READY` once a listening reader is about to listen, and one line
// `@@RESULT <json>` at the end; on failure `@@RESULT {"error": "..."}`. Every
// wait is bounded: the job's own deadline, rw_timeout for reads, and the
// parent's kill timer.
import { Decoder, Demuxer, Encoder, Muxer } from 'node-av/api';
import { Packet, avGetCodecName } from 'node-av';

// node-av's Demuxer.packets() needs Promise.withResolvers (Node 22); Node 20 has none.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}

const job = JSON.parse(process.argv[2] ?? '{}');

/** Samples per frame each audio encoder wants (0: any). */
const AUDIO_FRAME = { aac: 1024, libopus: 960, ac3: 1536, flac: 0 };

/** Fast, low-latency settings per video encoder: the tests run on 2 shared cores. */
const VIDEO_OPTIONS = {
  libx264: { preset: 'ultrafast', tune: 'zerolatency' },
  libx265: { preset: 'ultrafast', tune: 'zerolatency', 'x265-params': 'log-level=none' },
  libsvtav1: { preset: '12', svtav1_params: 'lp=1' },
  'libvpx-vp9': { deadline: 'realtime', 'cpu-used': '8', 'row-mt': '0', 'lag-in-frames': '0' },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (ts, tb) => (Number(ts) * tb.num) / tb.den;

/** The lavfi graph: out0 the video pattern, out1.. one sine per tone. */
function sourceGraph({ width = 320, height = 240, fps = 30, audio, tones = [440] }) {
  const spf = AUDIO_FRAME[audio] || 1152;
  const parts = [`testsrc2=size=${width}x${height}:rate=${fps},format=yuv420p[out0]`];
  tones.forEach((f, i) => parts.push(`sine=frequency=${f}:sample_rate=48000:samples_per_frame=${spf}[out${i + 1}]`));
  return parts.join(';');
}

/** Encodes the generated source into `target` (an rtmp:// URL or an FLV path). */
async function encode(target, opts, realtime) {
  const { video, audio, seconds: duration, fps = 30 } = opts;
  if (!(video in VIDEO_OPTIONS)) throw new Error(`unknown video encoder ${video}`);
  if (!(audio in AUDIO_FRAME)) throw new Error(`unknown audio encoder ${audio}`);
  const input = await Demuxer.open(sourceGraph(opts), { format: 'lavfi' });
  const cleanup = [];
  try {
    const decoders = [];
    const encoders = [];
    for (const s of input.streams) {
      const dec = await Decoder.create(s);
      cleanup.push(() => dec.close());
      decoders.push(dec);
    }
    for (let i = 0; i < input.streams.length; i++) {
      const isVideo = i === 0;
      const enc = isVideo
        ? await Encoder.create(video, {
            decoder: decoders[i],
            context: { gopSize: fps, maxBFrames: 0, bitRate: 400_000, threadCount: 1 },
            options: VIDEO_OPTIONS[video],
          })
        : await Encoder.create(audio, { decoder: decoders[i], autoResample: true, context: { bitRate: 96_000 } });
      cleanup.push(() => enc.close());
      encoders.push(enc);
    }
    const mux = await Muxer.open(target, { format: 'flv', options: { flvflags: 'no_duration_filesize' } });
    cleanup.push(() => mux.close());
    const index = encoders.map((e) => mux.addStream(e));
    const counts = encoders.map(() => 0);
    const write = async (i, packets) => {
      for (const p of packets) {
        await mux.writePacket(p, index[i]);
        p.free();
        counts[i]++;
      }
    };
    const fc = input.getFormatContext();
    const pkt = new Packet();
    pkt.alloc();
    cleanup.push(() => pkt.free());
    const t0 = performance.now();
    const done = input.streams.map(() => false);
    while (!done.every(Boolean)) {
      if ((await fc.readFrame(pkt)) < 0) break;
      const i = pkt.streamIndex;
      const s = input.streams[i];
      const frames = done[i] ? [] : await decoders[i].decodeAll(pkt);
      pkt.unref();
      for (const f of frames) {
        const t = seconds(f.pts, s.timeBase);
        if (t >= duration) {
          done[i] = true;
          f.free();
          continue;
        }
        // Real-time pacing, as `ffmpeg -re`: nothing leaves before its time.
        const due = t * 1000 - (performance.now() - t0);
        if (realtime && due > 1) await sleep(due);
        await write(i, await encoders[i].encodeAll(f));
        f.free();
      }
    }
    for (let i = 0; i < encoders.length; i++) {
      const rest = [];
      for await (const p of encoders[i].flushPackets()) rest.push(p);
      await write(i, rest);
    }
    return { packets: counts, elapsedMs: Math.round(performance.now() - t0) };
  } finally {
    for (const f of cleanup.reverse()) {
      try {
        await f();
      } catch {
        /* already closed */
      }
    }
    await input.close();
  }
}

/** Reads `url` for `seconds`, decoding every packet; per-stream counts. */
async function read({ url, seconds: duration, listen = false, openTimeoutMs = 10_000 }) {
  // A live stream: probe briefly (FFmpeg's default waits up to 5 s of media).
  const options = { rw_timeout: String(openTimeoutMs * 1000), analyzeduration: '1000000' };
  if (listen) {
    options.listen = '1';
    process.stdout.write('@@READY\n');
  }
  const input = await Demuxer.open(url, { format: 'flv', options });
  const streams = [];
  const decoders = [];
  try {
    for (const s of input.streams) {
      const par = s.codecpar;
      streams.push({
        index: s.index,
        type: par.codecType === 0 ? 'video' : par.codecType === 1 ? 'audio' : 'other',
        codec: avGetCodecName(par.codecId),
        width: par.width,
        height: par.height,
        sampleRate: par.sampleRate,
        channels: par.channels ?? par.chLayout?.nbChannels,
        packets: 0,
        keyframes: 0,
        frames: 0,
        decodeErrors: 0,
        firstError: undefined,
      });
      let dec;
      try {
        dec = await Decoder.create(s);
      } catch (e) {
        streams.at(-1).firstError = `no decoder: ${e.message}`;
      }
      decoders.push(dec);
    }
    const fc = input.getFormatContext();
    const pkt = new Packet();
    pkt.alloc();
    const t0 = performance.now();
    // A read blocked on a quiet stream ends at the deadline, not at rw_timeout.
    const deadline = setTimeout(() => fc.interrupt(), duration * 1000);
    try {
      while (performance.now() - t0 < duration * 1000) {
        const ret = await fc.readFrame(pkt);
        if (ret < 0) break;
        const st = streams[pkt.streamIndex];
        const dec = decoders[pkt.streamIndex];
        if (st === undefined) {
          pkt.unref();
          continue;
        }
        st.packets++;
        if (pkt.isKeyframe) st.keyframes++;
        if (dec !== undefined) {
          try {
            const frames = await dec.decodeAll(pkt);
            st.frames += frames.length;
            for (const f of frames) f.free();
          } catch (e) {
            st.decodeErrors++;
            st.firstError ??= e.message;
          }
        }
        pkt.unref();
      }
      for (let i = 0; i < decoders.length; i++) {
        const dec = decoders[i];
        if (dec === undefined) continue;
        try {
          for await (const f of dec.flushFrames()) {
            streams[i].frames++;
            f.free();
          }
        } catch {
          /* flushing a failed decoder */
        }
      }
    } finally {
      clearTimeout(deadline);
      pkt.free();
    }
    return { streams, elapsedMs: Math.round(performance.now() - t0) };
  } finally {
    for (const d of decoders) d?.close();
    await input.close();
  }
}

async function main() {
  // The job's own deadline, beyond which the process ends whatever FFmpeg does.
  const limitMs = (job.seconds ?? 10) * 1000 + (job.openTimeoutMs ?? 10_000) + 15_000;
  setTimeout(() => {
    process.stdout.write(`@@RESULT ${JSON.stringify({ error: `ffmpeg8 ${job.mode} passed its ${limitMs} ms deadline` })}\n`);
    process.exit(3);
  }, limitMs).unref();
  let result;
  if (job.mode === 'publish') result = await encode(job.url, job, true);
  else if (job.mode === 'write') result = await encode(job.path, job, false);
  else if (job.mode === 'read') result = await read(job);
  else throw new Error(`unknown mode ${job.mode}`);
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stdout.write(`@@RESULT ${JSON.stringify({ error: String(e?.message ?? e) })}\n`);
    process.exit(2);
  },
);
