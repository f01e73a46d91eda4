/**
 * Delivers queued webhook events: POST with Standard Webhooks headers; a 2xx within the timeout
 * is success. Otherwise the next attempt is queued after the configured delay (5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h by default) and, when the schedule is exhausted, the event is dead-lettered.
 * Every attempt writes sync_log. Delivery is at-least-once: receivers de-duplicate by webhook-id.
 */
import type { Kysely } from 'kysely';
import type { Job, PgBoss } from 'pg-boss';
import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/schema.ts';
import { insertLogs } from '../db/sync-log.ts';
import { insertDeadLetters, insertWebhookJobs, WEBHOOK_QUEUE, type WebhookJobData } from '../queue/jobs.ts';
import type { Keyring } from '../security/secret-box.ts';
import { signWebhook } from './signature.ts';
import { readWebhookSecrets } from './webhook-secrets.ts';

export const WEBHOOK_RETRY_SCHEDULE_DEFAULT_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];

export interface WebhookDelivererOptions {
  db: Kysely<Database>;
  boss: PgBoss;
  keyring: Keyring;
  logger: Logger;
  /** Delay before attempt 2, 3, … (milliseconds). */
  retryScheduleMs: number[];
  /** A delivery not answered 2xx within this is a failure. */
  timeoutMs: number;
}

async function attempt(url: string, job: WebhookJobData, secrets: string[], timeoutMs: number): Promise<{ ok: boolean; status?: number; error?: string }> {
  try {
    const headers = signWebhook({ id: job.eventId, timestamp: new Date(), body: job.body, secrets });
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'parse-sync-webhooks/1' },
      body: job.body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    return { ok: res.status >= 200 && res.status < 300, status: res.status };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? (err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : err.message) : String(err) };
  }
}

export function createWebhookDeliverer(o: WebhookDelivererOptions) {
  async function deliver(jobs: Job<WebhookJobData>[]): Promise<void> {
    for (const { data } of jobs) {
      const { url, secrets } = await readWebhookSecrets(o.db, o.keyring, data.tenantId);
      const started = Date.now();
      const result = url && secrets.length ? await attempt(url, data, secrets, o.timeoutMs) : { ok: false, error: 'tenant has no webhook_url or secret' };
      const outcome = result.status ? `HTTP ${result.status}` : result.error;
      const last = data.attempt > o.retryScheduleMs.length || !url;
      await o.db.transaction().execute(async (trx) => {
        if (!result.ok && !last) {
          const delay = o.retryScheduleMs[data.attempt - 1]!;
          await insertWebhookJobs(o.boss, trx, [{ data: { ...data, attempt: data.attempt + 1 }, startAfter: new Date(Date.now() + delay) }]);
        }
        if (!result.ok && last) await insertDeadLetters(o.boss, trx, [{ queueId: data.eventId, jobId: data.eventId, reason: `webhook ${data.type}: ${outcome}` }]);
        await insertLogs(trx, [{
          tenant_id: data.tenantId, action: 'WEBHOOK', direction: 'IN', entity_type: data.type, entity_id: data.eventId,
          status: result.ok ? 'SUCCESS' : last ? 'DEAD' : 'RETRY', duration_ms: Date.now() - started,
          message: `webhook ${data.type} attempt ${data.attempt}: ${result.ok ? 'delivered' : outcome}${!result.ok && !last ? `; next in ${Math.round(o.retryScheduleMs[data.attempt - 1]! / 1000)} s` : ''}`,
          response_data: result.status ? JSON.stringify({ status: result.status }) : null,
        }]);
      });
      if (!result.ok) o.logger.warn({ event: data.eventId, type: data.type, attempt: data.attempt, outcome }, 'webhook delivery failed');
    }
  }
  let workId: string | undefined;
  return {
    async start() {
      workId = await o.boss.work<WebhookJobData>(WEBHOOK_QUEUE, { batchSize: 10, localConcurrency: 2, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1 }, deliver);
    },
    async stop() {
      if (workId) await o.boss.offWork(WEBHOOK_QUEUE, { id: workId, wait: true });
    },
  };
}
