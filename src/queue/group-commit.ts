/**
 * Group commit: calls with the same key that arrive while that key's previous group is being
 * written go together into the next one, so under load N requests cost one transaction's statements
 * instead of N times as many, and a lone call waits for nothing (its group starts at once).
 * Keys keep groups apart (a tenant's calls never share a transaction, a failure or a lock wait
 * with another tenant's).
 */
export interface GroupCommitOptions<I, R> {
  /** How many of the waiting inputs (≥ 1) the next group takes: a bound on its locks and duration. */
  take(waiting: readonly I[]): number;
  /** Writes one group; the result at position n settles the n-th caller. Throwing rejects them all. */
  write(group: I[]): Promise<PromiseSettledResult<R>[]>;
  /** Groups of one key written at once (one group's statements run while another waits for round trips; docs/queue.md has the figures). */
  inFlight: number;
}

interface Waiting<I, R> {
  input: I;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export function createGroupCommit<I, R>(o: GroupCommitOptions<I, R>) {
  const keys = new Map<string, { waiting: Waiting<I, R>[]; writers: number }>();

  const drain = async (key: string) => {
    const k = keys.get(key)!;
    const waiting = k.waiting;
    while (waiting.length) {
      const group = waiting.splice(0, Math.max(1, o.take(waiting.map((w) => w.input))));
      try {
        const settled = await o.write(group.map((w) => w.input));
        group.forEach((w, n) => {
          const s = settled[n]!;
          if (s.status === 'fulfilled') w.resolve(s.value);
          else w.reject(s.reason);
        });
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    if (--k.writers === 0) keys.delete(key);
  };

  return {
    submit(key: string, input: I): Promise<R> {
      return new Promise((resolve, reject) => {
        let k = keys.get(key);
        if (!k) keys.set(key, (k = { waiting: [], writers: 0 }));
        k.waiting.push({ input, resolve, reject });
        if (k.writers >= o.inFlight) return;
        k.writers++;
        // setImmediate: requests parsed in the same turn of the event loop join the first group.
        setImmediate(() => void drain(key));
      });
    },
  };
}
