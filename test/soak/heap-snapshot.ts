/**
 * A tab's workers' JS heap, split by a heap snapshot (CDP HeapProfiler) into
 * V8's compiled code and everything else. `Runtime.getHeapUsage` counts both,
 * and the code grows on its own as the fault paths run for the first time
 * and their functions get compiled and optimised (a snapshot diff over 8
 * bridge restarts: +302 KB, of it ~280 KB code and feedback vectors, ~5 KB
 * objects); a leak shows in the objects. Taken twice a run (end of the
 * warm-up, end of the run): a snapshot pauses the worker for a moment.
 */
import type { Page } from 'puppeteer-core';

/** One tab's workers, summed: bytes of compiled code (V8's `code` nodes) and of everything else. */
export interface WorkersHeapSplit {
  codeBytes: number;
  objectBytes: number;
  workers: number;
}

/** The CDP session of a puppeteer worker, as far as this needs it. */
interface Cdp {
  send(method: string, params?: Record<string, unknown>): Promise<unknown>;
  on(event: string, f: (e: { chunk: string }) => void): void;
  off(event: string, f: (e: { chunk: string }) => void): void;
}

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
}

/** Sums the self sizes of a snapshot's nodes, code apart. */
function splitSnapshot(snap: RawSnapshot): { codeBytes: number; objectBytes: number } {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const iType = fields.indexOf('type');
  const iSize = fields.indexOf('self_size');
  let codeBytes = 0;
  let objectBytes = 0;
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const size = snap.nodes[i + iSize]!;
    if (types[snap.nodes[i + iType]!] === 'code') codeBytes += size;
    else objectBytes += size;
  }
  return { codeBytes, objectBytes };
}

async function snapshotOf(client: Cdp): Promise<{ codeBytes: number; objectBytes: number }> {
  await client.send('HeapProfiler.enable');
  await client.send('HeapProfiler.collectGarbage');
  let json = '';
  const onChunk = (e: { chunk: string }) => (json += e.chunk);
  client.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await client.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    client.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  await client.send('HeapProfiler.disable');
  return splitSnapshot(JSON.parse(json) as RawSnapshot);
}

/** Every worker of `page`, snapshotted and summed; null when none answered. */
export async function workersHeapSplit(page: Page): Promise<WorkersHeapSplit | null> {
  let codeBytes = 0;
  let objectBytes = 0;
  let workers = 0;
  for (const w of page.workers()) {
    try {
      const s = await snapshotOf(w.client as unknown as Cdp);
      codeBytes += s.codeBytes;
      objectBytes += s.objectBytes;
      workers++;
    } catch {
      /* a worker that just ended */
    }
  }
  return workers === 0 ? null : { codeBytes, objectBytes, workers };
}
