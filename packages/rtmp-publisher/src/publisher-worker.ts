/**
 * The publisher's worker: receives {@link PublisherCommand}s, runs one
 * {@link PublishSession} at a time, posts its {@link PublisherEvent}s back
 * stamped with the session's number ({@link WorkerMessage}).
 * Capture streams (MediaStreamTrackProcessor's readables), frames and file
 * bytes arrive transferred, so no media is copied across the boundary.
 */
import { PublishSession } from './publish-session.ts';
import type { PublisherCommand, PublisherEvent, WorkerMessage } from './worker-protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let session: PublishSession | null = null;

/** The emit of session `id`. */
function emitFor(id: number): (e: PublisherEvent) => void {
  return (event) => self.postMessage({ session: id, event } satisfies WorkerMessage);
}

self.onmessage = (ev: MessageEvent<PublisherCommand>) => {
  const c = ev.data;
  switch (c.cmd) {
    case 'start':
      session?.stop();
      session = new PublishSession({ connect: c.connect, video: c.video, audio: c.audio, input: c.input, emit: emitFor(c.session) });
      void session.start();
      return;
    case 'video-frame':
      if (session === null) c.frame.close();
      else session.pushVideo(c.frame);
      return;
    case 'audio-data':
      if (session === null) c.data.close();
      else session.pushAudio(c.data);
      return;
    case 'stop':
      session?.stop();
      session = null;
      return;
  }
};
