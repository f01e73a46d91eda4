/**
 * `parse-sync/client`: the typed client for the Hub's developers (seed 000 phase 3, `syncService`).
 * Types come from the server's own zod schemas (src/contract); it needs only `fetch` (Node 20+,
 * Deno, Bun, workers). Retries 429 and 5xx with exponential backoff, honouring `Retry-After`;
 * outbound sends always carry an Idempotency-Key, so a retried POST never creates a second item.
 */
import type {
  AcceptedResponse,
  AckBody,
  AckResponse,
  EntitySchema,
  ErrorBody,
  InboundItem,
  LeaseResponse,
  PendingResponse,
  StatusResponse,
} from '../contract/hub-api.ts';

export type { AcceptedResponse, AckResponse, EntitySchema, InboundItem, LeaseResponse, PendingResponse, StatusResponse };

/** An answer of the API that is not 2xx: `code` is the API's stable error code (docs: error codes). */
export class HubApiError extends Error {
  override readonly name = 'HubApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface HubClientOptions {
  /** e.g. `http://127.0.0.1:3000` */
  baseUrl: string;
  /** A `hub`-scope key (`sk_live_…`). */
  apiKey: string;
  /** Attempts after the first for 429 / 5xx / network errors. Default 4. */
  maxRetries?: number;
  /** First backoff delay, milliseconds (doubles each attempt, with jitter). Default 500. */
  retryBaseMs?: number;
  /** Longest wait between attempts, milliseconds. Default 30 000. */
  retryCapMs?: number;
  fetch?: typeof fetch;
}

export interface OutboundDocument {
  /** The Hub's own id of the document (e.g. the purchase order number). */
  entity_id: string;
  action: 'CREATE' | 'UPDATE' | 'DELETE';
  payload: Record<string, unknown>;
}

/** One inbound item handed to the caller; `fail(reason)` acknowledges it as failed instead of done. */
export type InboundDelivery = InboundItem & { fail(reason: string): void };

export interface InboundOptions {
  /** Items per lease. Default 100. */
  limit?: number;
  /** Lease length, seconds: un-acked items come back after it. Default 300. */
  leaseSeconds?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createHubClient(opts: HubClientOptions) {
  const doFetch = opts.fetch ?? fetch;
  const maxRetries = opts.maxRetries ?? 4;
  const base = opts.baseUrl.replace(/\/+$/, '');

  async function call<T>(method: string, path: string, o: { body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let networkError: unknown;
      try {
        res = await doFetch(base + path, {
          method,
          headers: { 'x-api-key': opts.apiKey, ...(o.body === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers },
          body: o.body === undefined ? undefined : JSON.stringify(o.body),
        });
      } catch (err) {
        networkError = err;
      }
      const retryable = res === undefined || res.status === 429 || res.status >= 500;
      if (retryable && attempt < maxRetries) {
        await sleep(retryDelay(attempt, res?.headers.get('retry-after') ?? null, opts));
        continue;
      }
      if (res === undefined) throw new HubApiError(0, 'NETWORK', `cannot reach ${base}: ${String(networkError)}`);
      const text = await res.text();
      const json: unknown = text ? JSON.parse(text) : undefined;
      if (res.ok) return json as T;
      const err = (json as ErrorBody | undefined)?.error;
      throw new HubApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? res.statusText, err?.details);
    }
  }

  const enc = encodeURIComponent;
  /** Leases up to `limit` items of one entity; they return to others after the lease unless acked. */
  const lease = (entity: string, o: InboundOptions = {}) =>
    call<LeaseResponse>('GET', `/api/v1/sync/inbound/${enc(entity)}?limit=${o.limit ?? 100}&lease_seconds=${o.leaseSeconds ?? 300}`);
  const ack = (entity: string, body: AckBody) => call<AckResponse>('POST', `/api/v1/sync/inbound/${enc(entity)}/ack`, { body });

  return {
    /** Entity types with items waiting for the Hub. */
    pendingCounts: () => call<PendingResponse>('GET', '/api/v1/sync/inbound/pending'),
    lease,
    ack,

    /**
     * Every pending item of `entity`, at least once: items are leased a batch at a time and the
     * batch is acknowledged when the caller asks for the item after the last one of it. An item
     * the caller was handling when it broke out of the loop or threw is NOT acknowledged: it comes
     * back after its lease. `item.fail(reason)` acknowledges it as failed instead.
     */
    async *inbound(entity: string, o: InboundOptions = {}): AsyncGenerator<InboundDelivery, void, undefined> {
      for (;;) {
        const { items } = await lease(entity, o);
        if (items.length === 0) return;
        const done: string[] = [];
        const failed: { id: string; error: string }[] = [];
        try {
          for (const item of items) {
            let failure: string | undefined;
            yield { ...item, fail: (reason: string) => void (failure = reason) };
            if (failure === undefined) done.push(item.sync_id);
            else failed.push({ id: item.sync_id, error: failure });
          }
        } finally {
          if (done.length || failed.length) await ack(entity, { ids: done, failed });
        }
      }
    },

    /** Sends one document to the ERP; retried safely under one Idempotency-Key (generated unless given). */
    sendOutbound: (entity: string, doc: OutboundDocument, o: { idempotencyKey?: string } = {}) =>
      call<AcceptedResponse>('POST', `/api/v1/sync/outbound/${enc(entity)}`, {
        body: doc,
        headers: { 'idempotency-key': o.idempotencyKey ?? crypto.randomUUID() },
      }),

    /** Up to 1 000 documents, validated together: all are enqueued, or none. */
    sendBatch: (items: (OutboundDocument & { entity_type: string })[]) =>
      call<{ items: (AcceptedResponse & { entity_type: string; entity_id: string })[] }>('POST', '/api/v1/sync/outbound/batch', {
        body: { items },
      }),

    /** Status of a sent document, by the Hub's own id or the sync_id. */
    status: (entity: string, id: string) => call<StatusResponse>('GET', `/api/v1/sync/outbound/${enc(entity)}/${enc(id)}/status`),

    /** Seed 000 §4.5's retry button: puts a FAILED or DEAD document of this Hub back in the queue. */
    retry: (entity: string, id: string) => call<StatusResponse>('POST', `/api/v1/sync/outbound/${enc(entity)}/${enc(id)}/retry`),

    /** Fields the Hub receives (inbound) or must send (outbound) for one entity. */
    schema: (entity: string) => call<EntitySchema>('GET', `/api/v1/sync/schema/${enc(entity)}`),
  };
}

export type HubClient = ReturnType<typeof createHubClient>;

/** Backoff for attempt n (0-based): `Retry-After` when the server sent one, else exponential with equal jitter. */
function retryDelay(attempt: number, retryAfter: string | null, o: HubClientOptions): number {
  const cap = o.retryCapMs ?? 30_000;
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, cap);
  }
  const exp = Math.min(cap, (o.retryBaseMs ?? 500) * 2 ** attempt);
  return exp / 2 + Math.random() * (exp / 2);
}
