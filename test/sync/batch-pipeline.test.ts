/**
 * The order batch-pipeline.ts promises pull.ts, with batches whose steps the test releases by hand:
 * batch k writes its data only after k-1's data, the rest only after k-1 committed, at most two
 * run at once, and a failed batch fails the next one and the run.
 */
import t from 'tap';
import { createBatchPipeline } from '../../src/sync/batch-pipeline.ts';

/** A step the test finishes when it chooses. */
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

t.test('batches write their data in turn, the rest after the previous commit, two at a time', async (t) => {
  const events: string[] = [];
  const pipeline = createBatchPipeline(2);
  const gates = [0, 1, 2].map(() => ({ data: gate(), rest: gate() }));
  const batch = (k: number) => async (turn: Parameters<Parameters<typeof pipeline.add>[0]>[0]) => {
    await turn.dataTurn;
    events.push(`data ${k}`);
    await gates[k]!.data.opened;
    turn.dataWritten();
    await turn.previousCommitted;
    events.push(`rest ${k}`);
    await gates[k]!.rest.opened;
    events.push(`commit ${k}`);
  };
  await pipeline.add(batch(0));
  await pipeline.add(batch(1));
  let thirdStarted = false;
  const third = pipeline.add(batch(2)).then(() => (thirdStarted = true));
  await tick();
  t.same(events, ['data 0'], 'batch 1 waits for batch 0 to write its data');
  gates[0]!.data.open();
  await tick();
  t.same(events.toSorted(), ['data 0', 'data 1', 'rest 0'], 'then both run: 0 its queue items, 1 its data');
  gates[1]!.data.open();
  await tick();
  t.equal(events.length, 3, 'batch 1 waits for batch 0 to commit');
  t.notOk(thirdStarted, 'a third batch waits while two are in flight');
  gates[0]!.rest.open();
  await third;
  await tick();
  t.same(events.slice(3), ['commit 0', 'rest 1', 'data 2']);
  gates[1]!.rest.open();
  gates[2]!.data.open();
  gates[2]!.rest.open();
  await pipeline.done();
  t.same(events.slice(-3), ['commit 1', 'rest 2', 'commit 2']);
});

t.test('a failed batch fails the next one before it writes its queue items, and the run', async (t) => {
  const pipeline = createBatchPipeline(2);
  const reached: string[] = [];
  await pipeline.add(async () => {
    throw new Error('batch 0 failed');
  });
  await pipeline.add(async (turn) => {
    await turn.dataTurn;
    reached.push('data 1');
    turn.dataWritten();
    await turn.previousCommitted;
    reached.push('rest 1');
  });
  await t.rejects(
    pipeline.add(async () => {}),
    /batch 0 failed/,
    'the next add throws the failure',
  );
  const outcomes = await pipeline.settled();
  t.same(reached, ['data 1'], 'batch 1 stopped before its queue items (its transaction rolls back)');
  t.match(outcomes, [{ status: 'rejected', reason: { message: 'batch 0 failed' } }], 'with batch 0 failed');
  t.equal(outcomes.length, 1, 'the batch after the failure was not started');
});
