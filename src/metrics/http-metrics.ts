/** In-process metrics of the server (prom-client): HTTP traffic and the Node process itself. One registry per app, so tests stay isolated. */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export function createHttpMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parse_sync_server_' });
  // Gauges that prom-client names `…_total`: promtool rejects the suffix on a non-counter.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(`parse_sync_server_${name}`);
  const requests = new Counter({
    name: 'parse_sync_http_requests_total',
    help: 'HTTP requests by route (the pattern, not the URL) and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'parse_sync_http_request_duration_seconds',
    help: 'HTTP request duration by route, seconds.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  return {
    registry,
    observe(o: { method: string; route: string; status: number; seconds: number }) {
      requests.inc({ method: o.method, route: o.route, status: String(o.status) });
      duration.observe({ method: o.method, route: o.route }, o.seconds);
    },
  };
}
