/**
 * Per-stage timings of hot paths ({ stage, ms }) on one diagnostics channel, for bench/ingest.ts.
 * Published only while someone subscribes, so the product pays one boolean check per call.
 * A stage named `outer.inner` is a part of `outer` (the bench does not add it to the total twice).
 */
import { channel } from 'node:diagnostics_channel';

export const stageTimings = channel('parse-sync:ingest-stage');

export async function timed<T>(stage: string, fn: () => Promise<T>): Promise<T> {
  if (!stageTimings.hasSubscribers) return fn();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    stageTimings.publish({ stage, ms: performance.now() - t0 });
  }
}
