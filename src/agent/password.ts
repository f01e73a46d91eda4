/** The config password: SYNC_CONFIG_PASSWORD, or typed on a terminal (not echoed). */
import type { Messages } from './messages.ts';

export async function readPassword(m: Messages): Promise<string> {
  const env = process.env.SYNC_CONFIG_PASSWORD;
  if (env) return env;
  if (!process.stdin.isTTY) throw Object.assign(new Error(m.noPassword), { code: 'NO_PASSWORD' });
  process.stderr.write(m.askPassword);
  return new Promise((resolve) => {
    const stdin = process.stdin;
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(value);
        }
        if (ch === '\u0003') process.exit(2);
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}
