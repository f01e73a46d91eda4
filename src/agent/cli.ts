/** Entry point of the ax-sync-client executable (bundled by esbuild into dist/). */
import { run } from './main.ts';

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error((err as Error).message);
    process.exitCode = 1;
  },
);
