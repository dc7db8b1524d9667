/**
 * An MP4 file's H.264 and AAC samples, demuxed with mp4box.js, ready to
 * publish without re-encoding: the avcC and AudioSpecificConfig for the
 * sequence headers, and each sample's decode and presentation times.
 *
 * B-frames are kept: FLV carries them as the composition time offset
 * (pts − dts) of each video tag. Edit lists are not applied: the published
 * stream's timeline is the samples' own (a player starts from the first
 * keyframe either way).
 */
import { createFile, DataStream, Endianness, MP4BoxBuffer, type Sample } from 'mp4box';

/** One demuxed sample. */
export interface Mp4Sample {
  kind: 'video' | 'audio';
  data: Uint8Array;
  keyframe: boolean;
  /** From the start of the file, µs. */
  dtsUs: number;
  ptsUs: number;
}

/** A demuxed file. */
export interface Mp4Media {
  video: { avcc: Uint8Array; codec: string; width: number; height: number; framerate: number } | null;
  audio: { asc: Uint8Array; codec: string; sampleRate: number; channels: number } | null;
  /** Both tracks, in decode-time order (video first on ties: its keyframe opens the stream). */
  samples: Mp4Sample[];
  /** Where a loop restarts: the end of the longer track, µs. */
  durationUs: number;
}

/** Largest file we load whole, bytes. The file is held in memory while it plays. */
export const MAX_MP4_BYTES = 1 << 30;

interface SampleEntryLike {
  avcC?: { write(s: DataStream): void };
  esds?: { esd: { findDescriptor(tag: number): { findDescriptor(tag: number): { data: Uint8Array } | undefined } | undefined } };
}

/**
 * Demuxes an MP4 (H.264 video and/or AAC audio; the first track of each).
 * Throws an Error naming what is missing or unsupported.
 */
export function demuxMp4(buffer: ArrayBuffer): Promise<Mp4Media> {
  if (buffer.byteLength > MAX_MP4_BYTES) return Promise.reject(new Error(`the file is larger than ${MAX_MP4_BYTES} bytes`));
  return new Promise((resolve, reject) => {
    const file = createFile();
    const collected = new Map<number, Sample[]>();
    let info: Parameters<NonNullable<typeof file.onReady>>[0] | null = null;
    file.onError = (_module: string, message: string) => reject(new Error(`not a readable MP4: ${message}`));
    file.onReady = (i) => {
      info = i;
      for (const t of [i.videoTracks[0], i.audioTracks[0]]) {
        if (t === undefined) continue;
        collected.set(t.id, []);
        file.setExtractionOptions(t.id, null, { nbSamples: t.nb_samples });
      }
      file.start();
    };
    file.onSamples = (id, _user, samples) => {
      collected.get(id)?.push(...samples);
    };
    try {
      file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(buffer, 0), true);
      file.flush();
    } catch (e) {
      reject(new Error(`not a readable MP4: ${String(e)}`));
      return;
    }
    const i = info as Parameters<NonNullable<typeof file.onReady>>[0] | null;
    if (i === null) {
      reject(new Error('not a readable MP4: no moov box'));
      return;
    }
    const samples: Mp4Sample[] = [];
    let durationUs = 0;
    let video: Mp4Media['video'] = null;
    let audio: Mp4Media['audio'] = null;

    const vt = i.videoTracks[0];
    if (vt !== undefined) {
      if (!vt.codec.startsWith('avc1') && !vt.codec.startsWith('avc3')) {
        reject(new Error(`video codec ${vt.codec} is not supported for file publishing (H.264 only)`));
        return;
      }
      const entry = file.getTrackById(vt.id).mdia.minf.stbl.stsd.entries[0] as unknown as SampleEntryLike | undefined;
      if (entry?.avcC === undefined) {
        reject(new Error('the H.264 track has no avcC'));
        return;
      }
      const ds = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
      entry.avcC.write(ds);
      // Skip the box header (size + 'avcC'): FLV wants the record itself.
      const avcc = new Uint8Array(ds.buffer, 8, ds.byteLength - 8).slice();
      const vs = collected.get(vt.id) ?? [];
      video = {
        avcc,
        codec: vt.codec,
        width: vt.video?.width ?? vt.track_width,
        height: vt.video?.height ?? vt.track_height,
        framerate: vs.length > 0 && vt.samples_duration > 0 ? (vs.length * vt.timescale) / vt.samples_duration : 0,
      };
      for (const s of vs) samples.push(toSample('video', s));
      durationUs = Math.max(durationUs, (vt.samples_duration / vt.timescale) * 1e6);
    }

    const at = i.audioTracks[0];
    if (at !== undefined) {
      if (!at.codec.startsWith('mp4a.40')) {
        reject(new Error(`audio codec ${at.codec} is not supported for file publishing (AAC only)`));
        return;
      }
      const entry = file.getTrackById(at.id).mdia.minf.stbl.stsd.entries[0] as unknown as SampleEntryLike | undefined;
      const asc = entry?.esds?.esd.findDescriptor(4)?.findDescriptor(5)?.data;
      if (asc === undefined) {
        reject(new Error('the AAC track has no AudioSpecificConfig'));
        return;
      }
      audio = { asc: asc.slice(), codec: at.codec, sampleRate: at.audio?.sample_rate ?? 0, channels: at.audio?.channel_count ?? 0 };
      for (const s of collected.get(at.id) ?? []) samples.push(toSample('audio', s));
      durationUs = Math.max(durationUs, (at.samples_duration / at.timescale) * 1e6);
    }

    if (video === null && audio === null) {
      reject(new Error('the file has no H.264 or AAC track'));
      return;
    }
    samples.sort((a, b) => a.dtsUs - b.dtsUs || (a.kind === b.kind ? 0 : a.kind === 'video' ? -1 : 1));
    resolve({ video, audio, samples, durationUs });
  });
}

function toSample(kind: 'video' | 'audio', s: Sample): Mp4Sample {
  return {
    kind,
    data: s.data ?? new Uint8Array(0),
    keyframe: kind === 'audio' || s.is_sync,
    dtsUs: Math.round((s.dts / s.timescale) * 1e6),
    ptsUs: Math.round((s.cts / s.timescale) * 1e6),
  };
}
