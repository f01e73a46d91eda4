// Overview: one row per entity, "Ejecutar ahora", open alerts. Refreshes itself every few seconds.
import { api, errorText } from '../api.js';
import { fill, h, notice } from '../dom.js';
import { fmtDate, fmtSeconds, show } from '../format.js';
import { t } from '../i18n.js';

const REFRESH_MS = 3000;

export async function render(main, ctx) {
  const alerts = h('section', { id: 'tenant-alerts' });
  const message = h('div', { id: 'overview-message' });
  const table = h('div', { id: 'overview-table' });
  fill(main, h('h2', {}, t('nav.overview')), message, alerts, table);

  const runNow = async (entity) => {
    try {
      await api('POST', `/api/v1/sync/run?entity=${encodeURIComponent(entity)}`);
      fill(message, notice('ok', t('overview.queued', { entity })));
      await load();
    } catch (err) {
      fill(message, notice('error', errorText(err)));
    }
  };

  const load = async () => {
    const data = await api('GET', '/api/v1/sync/overview');
    fill(
      alerts,
      data.tenant_alerts.length
        ? h(
            'ul',
            { class: 'alerts' },
            data.tenant_alerts.map((a) => h('li', {}, `⚠ ${t(`alert.${a.kind}`)}: ${a.detail}`)),
          )
        : null,
    );
    fill(
      table,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['entity', 'direction', 'state', 'lastRun', 'rows', 'freshness', 'nextRun', 'queue', 'alerts', ''].map((c) =>
              h('th', {}, c ? t(`overview.${c}`) : ''),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          data.entities.map((e) =>
            h(
              'tr',
              { 'data-entity': e.entity_type, 'data-erp': e.erp_type, 'data-direction': e.direction },
              h('td', {}, e.entity_type, h('small', {}, ` ${e.erp_type}`)),
              h('td', {}, t(`direction.${e.direction}`)),
              h('td', {}, h('span', { class: `state state-${e.state}`, 'data-state': e.state }, t(`state.${e.state}`))),
              h(
                'td',
                {},
                fmtDate(e.last_run?.finished_at ?? e.last_run?.started_at),
                e.last_run?.error ? h('div', { class: 'error' }, e.last_run.error) : null,
              ),
              h(
                'td',
                { class: 'num' },
                e.last_run ? `${show(e.last_run.rows_read)} / ${show(e.last_run.rows_changed)} / ${show(e.last_run.rows_deleted)}` : '—',
              ),
              h(
                'td',
                {},
                fmtSeconds(e.freshness_seconds),
                e.schedule_period_seconds
                  ? h('small', {}, ` (${t('overview.every', { period: fmtSeconds(e.schedule_period_seconds) })})`)
                  : null,
              ),
              h('td', {}, fmtDate(e.next_run_at)),
              h('td', { class: 'num' }, `${show(e.waiting)} / ${show(e.dead)}`),
              h(
                'td',
                { class: 'alerts-cell' },
                e.alerts.map((a) => h('div', { class: 'alert', 'data-alert': a.kind }, `⚠ ${t(`alert.${a.kind}`)}: ${a.detail}`)),
              ),
              h(
                'td',
                {},
                e.enabled && e.direction !== 'OUT'
                  ? h(
                      'button',
                      {
                        class: 'run-now',
                        disabled: !ctx.canWrite,
                        title: ctx.canWrite ? '' : t('role.readonly'),
                        onclick: () => runNow(e.entity_type),
                      },
                      t('overview.runNow'),
                    )
                  : null,
              ),
            ),
          ),
        ),
      ),
      data.entities.length ? null : notice('info', t('overview.none')),
    );
  };

  await load();
  const timer = setInterval(() => load().catch((err) => fill(message, notice('error', errorText(err)))), REFRESH_MS);
  return () => clearInterval(timer);
}
