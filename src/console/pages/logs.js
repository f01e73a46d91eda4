// Logs: the audit log with filters (entity, status, period) and a live tail that polls for new lines.
import { api, errorText } from '../api.js';
import { fill, h, notice } from '../dom.js';
import { fmtDate, show } from '../format.js';
import { t } from '../i18n.js';

const TAIL_MS = 3000;
const PERIODS = { '1h': 3600, '24h': 86400, '7d': 604800, all: 0 };

export async function render(main) {
  const entity = h('input', { id: 'logs-entity', placeholder: 'PROVEEDOR', size: 16 });
  const status = h(
    'select',
    { id: 'logs-status' },
    h('option', { value: '' }, t('logs.allStatuses')),
    ['SUCCESS', 'FAILED', 'RETRY', 'DEAD', 'PARTIAL', 'INFO'].map((s) => h('option', { value: s }, s)),
  );
  const period = h(
    'select',
    { id: 'logs-period' },
    Object.keys(PERIODS).map((p) => h('option', { value: p, selected: p === '24h' }, t(`logs.period.${p}`))),
  );
  const live = h('input', { type: 'checkbox', id: 'logs-live' });
  const message = h('div', { id: 'logs-message' });
  const list = h('section', { id: 'logs-items' });
  let timer = null;

  const load = async () => {
    const q = new URLSearchParams({ limit: '100' });
    if (entity.value.trim()) q.set('entity_type', entity.value.trim().toUpperCase());
    if (status.value) q.set('status', status.value);
    if (PERIODS[period.value]) q.set('since', new Date(Date.now() - PERIODS[period.value] * 1000).toISOString());
    const data = await api('GET', `/api/v1/sync/logs?${q}`);
    fill(
      list,
      data.items.length
        ? h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['when', 'entity', 'action', 'direction', 'status', 'message', 'rows', 'duration'].map((c) => h('th', {}, t(`logs.${c}`))),
              ),
            ),
            h(
              'tbody',
              {},
              data.items.map((l) =>
                h(
                  'tr',
                  { 'data-status': l.status },
                  h('td', {}, fmtDate(l.created_at)),
                  h('td', {}, show(l.entity_type)),
                  h('td', {}, l.action),
                  h('td', {}, t(`direction.${l.direction}`)),
                  h('td', {}, h('span', { class: `status status-${l.status}` }, l.status)),
                  h('td', {}, show(l.message), l.error_detail ? h('div', { class: 'error' }, l.error_detail) : null),
                  h('td', { class: 'num' }, show(l.rows_affected)),
                  h('td', { class: 'num' }, l.duration_ms === null ? '—' : `${l.duration_ms} ms`),
                ),
              ),
            ),
          )
        : notice('info', t('logs.empty')),
    );
  };
  const safeLoad = () => load().catch((err) => fill(message, notice('error', errorText(err))));
  live.addEventListener('change', () => {
    clearInterval(timer);
    timer = live.checked ? setInterval(safeLoad, TAIL_MS) : null;
  });

  const filters = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        safeLoad();
      },
    },
    entity,
    status,
    period,
    h('button', { type: 'submit' }, t('common.filter')),
    h('label', { class: 'inline' }, live, ` ${t('logs.live')}`),
  );
  fill(main, h('h2', {}, t('nav.logs')), filters, message, list);
  await load();
  return () => clearInterval(timer);
}
