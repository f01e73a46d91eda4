import pino, { type Logger } from 'pino';
import type { Env } from './config.ts';

export type { Logger };

/** Paths pino blanks out wherever they appear: keys, passwords, secrets never reach a log line. */
const REDACT_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  '*.password',
  '*.secret',
  '*.webhook_secret',
  '*.apiKey',
  'password',
];

/** JSON lines, one per event; pretty when a person is watching a terminal. */
export function createLogger(opts: { level: Env['LOG_LEVEL']; name: string; pretty?: boolean }): Logger {
  return pino({
    name: opts.name,
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(opts.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
