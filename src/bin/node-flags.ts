/**
 * The worker's V8 heap sizing. An ingest batch in flight is a few MB of short-lived rows; with V8's
 * defaults (a 2 × 32 MB young generation on a large machine, old space let grow to ~4× the live set)
 * a 1M-row pull peaked at ~400 MB of mostly garbage, with these at ~175 MB and a little faster. The
 * server runs without them: on the API they cost throughput and p99 (docs/queue.md). Copies of this
 * line live where a process is started outside Node (Makefile, package.json, Dockerfile, compose,
 * the systemd docs); test/node-flags.test.ts keeps them equal.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50'] as const;
