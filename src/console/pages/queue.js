// Queue: PENDING / RETRY / DEAD items with filters, errors grouped by message, retry and discard one or many.
import { api, errorText } from '../api.js';
import { fill, h, notice } from '../dom.js';
import { fmtDate, show } from '../format.js';
import { t } from '../i18n.js';

export async function render(main, ctx) {
  const status = h(
    'select',
    { id: 'queue-status' },
    h('option', { value: '' }, t('queue.allStatuses')),
    ['PENDING', 'RETRY', 'DEAD'].map((s) => h('option', { value: s }, s)),
  );
  const entity = h('input', { id: 'queue-entity', placeholder: 'ORDEN_COMPRA', size: 16 });
  const direction = h(
    'select',
    { id: 'queue-direction' },
    h('option', { value: '' }, t('queue.allDirections')),
    h('option', { value: 'IN' }, t('direction.IN')),
    h('option', { value: 'OUT' }, t('direction.OUT')),
  );
  const message = h('div', { id: 'queue-message' });
  const errors = h('section', { id: 'queue-errors' });
  const list = h('section', { id: 'queue-items' });
  const selected = new Set();

  const act = async (kind, ids) => {
    if (ids.length === 0) return fill(message, notice('info', t('queue.selectFirst')));
    // Discarding is final: one question first.
    if (kind === 'discard' && !window.confirm(t('queue.confirmDiscard', { n: ids.length }))) return;
    try {
      const r = await api('POST', `/api/v1/sync/queue/${kind}`, { ids });
      fill(message, notice('ok', t(`queue.${kind}Done`, { n: r.items.length })));
      selected.clear();
      await load();
    } catch (err) {
      fill(message, notice('error', errorText(err)));
    }
  };
  const bulk = h(
    'div',
    { class: 'actions' },
    h(
      'button',
      { id: 'queue-retry-selected', disabled: !ctx.canWrite, onclick: () => act('retry', [...selected]) },
      t('queue.retrySelected'),
    ),
    h(
      'button',
      { id: 'queue-discard-selected', class: 'danger', disabled: !ctx.canWrite, onclick: () => act('discard', [...selected]) },
      t('queue.discardSelected'),
    ),
  );

  const load = async () => {
    const q = new URLSearchParams();
    if (status.value) q.set('status', status.value);
    if (entity.value.trim()) q.set('entity_type', entity.value.trim().toUpperCase());
    if (direction.value) q.set('direction', direction.value);
    const data = await api('GET', `/api/v1/sync/queue?${q}`);
    fill(
      errors,
      h('h3', {}, t('queue.errors')),
      data.errors.length
        ? h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, t('queue.message')), h('th', {}, t('queue.count')), h('th', {}, t('queue.status')))),
            h(
              'tbody',
              {},
              data.errors.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'error' }, e.message),
                  h('td', { class: 'num' }, show(e.count)),
                  h('td', {}, e.statuses.join(', ')),
                ),
              ),
            ),
          )
        : notice('info', t('queue.noErrors')),
    );
    fill(
      list,
      h(
        'p',
        { class: 'counts' },
        Object.entries(data.counts).map(([s, n]) => h('span', { class: 'count' }, `${s}: ${n}`)),
      ),
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
                ['', 'entity', 'id', 'direction', 'status', 'retries', 'error', 'updated', ''].map((c) =>
                  h('th', {}, c ? t(`queue.${c}`) : ''),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              data.items.map((i) =>
                h(
                  'tr',
                  { 'data-id': i.id, 'data-status': i.status },
                  h(
                    'td',
                    {},
                    h('input', {
                      type: 'checkbox',
                      'aria-label': i.entity_id,
                      disabled: !ctx.canWrite,
                      onchange: (e) => (e.target.checked ? selected.add(i.id) : selected.delete(i.id)),
                    }),
                  ),
                  h('td', {}, i.entity_type),
                  h('td', {}, i.entity_id),
                  h('td', {}, t(`direction.${i.direction}`)),
                  h('td', {}, h('span', { class: `status status-${i.status}` }, i.status)),
                  h('td', { class: 'num' }, `${i.retry_count}/${i.max_retries}`),
                  h('td', { class: 'error' }, i.error_message ?? ''),
                  h('td', {}, fmtDate(i.updated_at)),
                  h(
                    'td',
                    {},
                    i.status === 'DEAD'
                      ? [
                          h(
                            'button',
                            { class: 'retry-one', disabled: !ctx.canWrite, onclick: () => act('retry', [i.id]) },
                            t('queue.retry'),
                          ),
                          h(
                            'button',
                            { class: 'discard-one danger', disabled: !ctx.canWrite, onclick: () => act('discard', [i.id]) },
                            t('queue.discard'),
                          ),
                        ]
                      : null,
                  ),
                ),
              ),
            ),
          )
        : notice('info', t('queue.empty')),
    );
  };

  const filters = h(
    'form',
    {
      class: 'filters',
      id: 'queue-filters',
      onsubmit: (e) => {
        e.preventDefault();
        load().catch((err) => fill(message, notice('error', errorText(err))));
      },
    },
    status,
    entity,
    direction,
    h('button', { type: 'submit' }, t('common.filter')),
  );
  fill(main, h('h2', {}, t('nav.queue')), filters, message, errors, bulk, list);
  await load();
}
