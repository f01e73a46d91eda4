/** A small fake Hub: an HTTP server that receives webhooks, and a client for our API. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface FakeHub {
  url: string;
  webhooks: { headers: IncomingHttpHeaders; body: string; event: { type: string; data: Record<string, unknown> } | null }[];
  close(): Promise<void>;
}

/** Receives webhooks at /api/webhooks/sync and verifies each with the standardwebhooks library. */
export async function startFakeHub(secret: () => string | undefined): Promise<FakeHub> {
  const webhooks: FakeHub['webhooks'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let event: FakeHub['webhooks'][number]['event'] = null;
      try {
        const s = secret();
        if (s) event = new Webhook(s).verify(body, req.headers as Record<string, string>) as never;
      } catch {
        event = null;
      }
      webhooks.push({ headers: req.headers, body, event });
      res.writeHead(event ? 204 : 400).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/webhooks/sync`,
    webhooks,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Calls our API as the Hub does. */
export function hubClient(base: string, key: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(base + path, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}
