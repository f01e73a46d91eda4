/**
 * Batch transactions written several at a time yet taking effect in read order (pull.ts). Batch k's
 * sync_data statement starts once batch k-1's has run: k-1 then already holds every row lock k
 * could need, so a record in both waits for k-1's commit and is written on top of it. The rest of
 * batch k (record errors, queue items, checkpoint) starts once k-1 has committed, and fails if k-1
 * failed, so that batch rolls back too. One batch's sync_data rows are written while the previous
 * batch's queue items are: several PostgreSQL backends at work instead of one (issue 17). The queue
 * items' turns follow one another, so what needs no turn is done before it comes: the statements'
 * parameters are built, and errors of records no earlier batch refused are cleared (pull.ts).
 */
export interface BatchTurn {
  /** Resolves once the previous batch's data statement has run (or the batch ended). */
  dataTurn: Promise<void>;
  /** Call when this batch's data statement has run; done for you when the batch ends. */
  dataWritten: () => void;
  /** Resolves once the previous batch committed; rejects with its error if it failed. */
  previousCommitted: Promise<unknown>;
}

export function createBatchPipeline(inFlightMax = 2) {
  let dataTurn: Promise<void> = Promise.resolve();
  let committed: Promise<unknown> = Promise.resolve();
  const inFlight: Promise<unknown>[] = [];
  return {
    /** Starts `write` once fewer than `inFlightMax` batches are in flight; throws an earlier batch's error. */
    async add(write: (turn: BatchTurn) => Promise<void>): Promise<void> {
      while (inFlight.length >= inFlightMax) await inFlight.shift();
      let dataWritten!: () => void;
      const turn: BatchTurn = { dataTurn, previousCommitted: committed, dataWritten: () => dataWritten() };
      dataTurn = new Promise((resolve) => (dataWritten = resolve));
      const written = write(turn).finally(() => dataWritten());
      written.catch(() => {}); // awaited by a later add or by done()
      committed = written;
      inFlight.push(written);
    },
    /** Waits for every batch in flight; throws the first error. */
    done: () => Promise.all(inFlight),
    /** Waits for every batch in flight, errors or not. */
    settled: () => Promise.allSettled(inFlight),
  };
}
