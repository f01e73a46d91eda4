/**
 * Delivers queued webhook events: POST with Standard Webhooks headers; a 2xx within the timeout
 * is success. Otherwise the next attempt is queued after the configured delay (5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h by default) and, when the schedule is exhausted, the event is dead-lettered.
 * Every attempt writes sync_log. Delivery is at-least-once: receivers de-duplicate by webhook-id.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Kysely } from 'kysely';
import type { Job, PgBoss } from 'pg-boss';
import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/schema.ts';
import { insertLogs } from '../db/sync-log.ts';
import { insertDeadLetters, insertWebhookJobs, WEBHOOK_QUEUE, type WebhookJobData } from '../queue/jobs.ts';
import { checkDestinationHost, DestinationRefusedError, guardedLookup, type DestinationPolicy } from '../security/destination-policy.ts';
import type { Keyring } from '../security/secret-box.ts';
import { signWebhook } from './signature.ts';
import { readWebhookSecrets } from './webhook-secrets.ts';

export interface WebhookDelivererOptions {
  db: Kysely<Database>;
  boss: PgBoss;
  keyring: Keyring;
  logger: Logger;
  /** Delay before attempt 2, 3, … (milliseconds). */
  retryScheduleMs: number[];
  /** A delivery not answered 2xx within this is a failure. */
  timeoutMs: number;
  /** Which addresses a webhook URL may reach (checked on the resolved address of every attempt). */
  destinations: DestinationPolicy;
  /** The operator's receiver of alert copies (ALERT_OPERATOR_URL / ALERT_OPERATOR_SECRET). */
  operator?: { url: string; secret: string };
}

/**
 * The operator's URL comes from the operator's own environment, not from a tenant, so it may be on a
 * private network (an on-premise alert manager); link-local and metadata stay refused.
 */
const OPERATOR_DESTINATIONS: DestinationPolicy = { allowPrivate: true };

/** The outcome of one attempt: `error` is shown to the tenant (no addresses), `detail` only to the operator log. */
interface AttemptResult {
  ok: boolean;
  status?: number;
  error?: string;
  detail?: string;
}

/** One POST; the socket connects only to an address the policy allows (checked inside the lookup). */
function post(
  url: URL,
  o: { headers: Record<string, string>; body: string; timeoutMs: number; destinations: DestinationPolicy },
): Promise<number> {
  checkDestinationHost(url.hostname, o.destinations); // literal IPs never go through lookup
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) },
        lookup: guardedLookup(o.destinations) as never,
        timeout: o.timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Exported for the destination-policy tests. */
export async function attempt(
  url: string,
  job: WebhookJobData,
  secrets: string[],
  o: { timeoutMs: number; destinations: DestinationPolicy },
): Promise<AttemptResult> {
  try {
    const headers = signWebhook({ id: job.eventId, timestamp: new Date(), body: job.body, secrets });
    // Redirects are not followed (a 3xx is a failed attempt), so a receiver cannot bounce us elsewhere.
    const status = await post(new URL(url), {
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'parse-sync-webhooks/1' },
      body: job.body,
      ...o,
    });
    return { ok: status >= 200 && status < 300, status };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e instanceof DestinationRefusedError) return { ok: false, error: e.message, detail: e.detail };
    if (e.name === 'TimeoutError') return { ok: false, error: `no answer within ${o.timeoutMs} ms` };
    // Socket errors carry addresses and ports ("connect ECONNREFUSED 10.0.0.5:443"): the tenant sees the code only.
    return { ok: false, error: `connection failed${e.code ? ` (${e.code})` : ''}`, detail: e.message };
  }
}

export function createWebhookDeliverer(o: WebhookDelivererOptions) {
  async function deliver(jobs: Job<WebhookJobData>[]): Promise<void> {
    for (const { data } of jobs) {
      const { url, secrets } = data.operator
        ? { url: o.operator?.url ?? null, secrets: o.operator ? [o.operator.secret] : [] }
        : await readWebhookSecrets(o.db, o.keyring, data.tenantId);
      const started = Date.now();
      const policy = { timeoutMs: o.timeoutMs, destinations: data.operator ? OPERATOR_DESTINATIONS : o.destinations };
      const result =
        url && secrets.length
          ? await attempt(url, data, secrets, policy)
          : { ok: false, error: data.operator ? 'no ALERT_OPERATOR_URL is configured' : 'tenant has no webhook_url or secret' };
      const receiver = data.operator ? 'operator webhook' : 'webhook';
      const outcome = result.status ? `HTTP ${result.status}` : result.error;
      const last = data.attempt > o.retryScheduleMs.length || !url;
      await o.db.transaction().execute(async (trx) => {
        if (!result.ok && !last) {
          const delay = o.retryScheduleMs[data.attempt - 1]!;
          await insertWebhookJobs(o.boss, trx, [
            { data: { ...data, attempt: data.attempt + 1 }, startAfter: new Date(Date.now() + delay) },
          ]);
        }
        if (!result.ok && last)
          await insertDeadLetters(o.boss, trx, [
            {
              kind: 'webhook',
              tenantId: data.tenantId,
              eventId: data.eventId,
              type: data.type,
              reason: `${receiver} ${data.type}: ${outcome}`,
            },
          ]);
        await insertLogs(trx, [
          {
            tenant_id: data.tenantId,
            action: 'WEBHOOK',
            direction: 'IN',
            entity_type: data.type,
            entity_id: data.eventId,
            status: result.ok ? 'SUCCESS' : last ? 'DEAD' : 'RETRY',
            duration_ms: Date.now() - started,
            message: `${receiver} ${data.type} attempt ${data.attempt}: ${result.ok ? 'delivered' : outcome}${!result.ok && !last ? `; next in ${Math.round(o.retryScheduleMs[data.attempt - 1]! / 1000)} s` : ''}`,
            response_data: result.status ? JSON.stringify({ status: result.status }) : null,
          },
        ]);
      });
      if (!result.ok)
        o.logger.warn(
          { event: data.eventId, type: data.type, attempt: data.attempt, outcome, detail: 'detail' in result ? result.detail : undefined },
          `${receiver} delivery failed`,
        );
    }
  }
  let workId: string | undefined;
  return {
    async start() {
      workId = await o.boss.work<WebhookJobData>(
        WEBHOOK_QUEUE,
        { batchSize: 10, localConcurrency: 2, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1 },
        deliver,
      );
    },
    async stop() {
      if (workId) await o.boss.offWork(WEBHOOK_QUEUE, { id: workId, wait: true });
    },
  };
}
