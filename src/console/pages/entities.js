// Entities: the config editor (JSON) with "Validar" (dry run on the ERP), enable/disable, schedule, history with restore.
import { api, errorText } from '../api.js';
import { fill, h, notice } from '../dom.js';
import { fmtDate, show } from '../format.js';
import { t } from '../i18n.js';
import { checkList } from './checks.js';

/** The fields PUT /api/v1/sync/config/:id takes (the rest of a config is read-only). */
const EDITABLE = [
  'entity_type',
  'erp_type',
  'direction',
  'enabled',
  'sync_frequency',
  'source_table',
  'primary_key',
  'timestamp_field',
  'queries',
  'field_mapping',
  'transform_rules',
];

const editable = (c) => Object.fromEntries(EDITABLE.filter((k) => c[k] !== null && c[k] !== undefined).map((k) => [k, c[k]]));

export async function render(main, ctx) {
  const list = h('section', { id: 'entities-list' });
  const editor = h('section', { id: 'entity-editor' });
  fill(main, h('h2', {}, t('nav.entities')), list, editor);
  const ro = !ctx.canWrite;

  const loadList = async (openId) => {
    const { items } = await api('GET', '/api/v1/sync/config');
    fill(
      list,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['entity', 'erp', 'direction', 'enabled', 'schedule', ''].map((c) => h('th', {}, c ? t(`entities.${c}`) : '')),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((c) =>
            h(
              'tr',
              { 'data-config': c.id, 'data-entity': c.entity_type, 'data-erp': c.erp_type },
              h('td', {}, c.entity_type),
              h('td', {}, c.erp_type),
              h('td', {}, t(`direction.${c.direction}`)),
              h('td', {}, c.enabled ? t('common.yes') : t('common.no')),
              h('td', {}, show(c.sync_frequency)),
              h('td', {}, h('button', { class: 'open-config secondary', onclick: () => open(c.id) }, t('entities.open'))),
            ),
          ),
        ),
      ),
    );
    if (openId) await open(openId);
  };

  async function open(id) {
    const c = await api('GET', `/api/v1/sync/config/${id}`);
    const text = h('textarea', { id: 'config-json', rows: 22, spellcheck: 'false', disabled: ro });
    text.value = JSON.stringify(editable(c), null, 2);
    const schedule = h('input', { id: 'config-schedule', value: c.sync_frequency ?? '', placeholder: '*/15 * * * *', disabled: ro });
    const message = h('div', { id: 'config-message' });
    const report = h('div', { id: 'config-report' });
    const history = h('section', { id: 'config-history' });
    const parsed = () => {
      try {
        return JSON.parse(text.value);
      } catch (err) {
        fill(message, notice('error', t('entities.badJson', { error: err.message })));
        return null;
      }
    };
    const save = async (body, done) => {
      // A second click while a save is in flight would send the stale `current` again.
      toggle.disabled = true;
      try {
        await api('PUT', `/api/v1/sync/config/${id}`, body);
        fill(message, notice('ok', done));
        await loadList();
        await reopen();
      } catch (err) {
        fill(message, notice('error', errorText(err)));
      } finally {
        toggle.disabled = ro;
      }
    };
    const reopen = async () => {
      const fresh = await api('GET', `/api/v1/sync/config/${id}`);
      text.value = JSON.stringify(editable(fresh), null, 2);
      schedule.value = fresh.sync_frequency ?? '';
      toggle.textContent = fresh.enabled ? t('entities.disable') : t('entities.enable');
      current = fresh;
      await loadHistory();
    };
    let current = c;
    const toggle = h(
      'button',
      {
        id: 'config-toggle',
        class: 'secondary',
        disabled: ro,
        onclick: () => save({ ...editable(current), enabled: !current.enabled }, t('entities.saved')),
      },
      c.enabled ? t('entities.disable') : t('entities.enable'),
    );
    const loadHistory = async () => {
      const { items } = await api('GET', `/api/v1/sync/config/history?kind=entity_config&target_id=${id}`);
      fill(
        history,
        h('h3', {}, t('entities.history')),
        items.length
          ? h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['when', 'who', 'what', ''].map((k) => h('th', {}, k ? t(`entities.h.${k}`) : '')),
                ),
              ),
              h(
                'tbody',
                {},
                items.map((e) =>
                  h(
                    'tr',
                    { 'data-history': e.id },
                    h('td', {}, fmtDate(e.changed_at)),
                    h('td', {}, show(e.changed_by)),
                    h('td', {}, changedKeys(e.before, e.after).join(', ') || t('entities.h.created')),
                    h(
                      'td',
                      {},
                      h(
                        'button',
                        {
                          class: 'restore secondary',
                          disabled: ro,
                          onclick: async () => {
                            try {
                              await api('POST', `/api/v1/sync/config/history/${e.id}/restore`);
                              fill(message, notice('ok', t('entities.restored', { when: fmtDate(e.changed_at) })));
                              await loadList();
                              await reopen();
                            } catch (err) {
                              fill(message, notice('error', errorText(err)));
                            }
                          },
                        },
                        t('entities.restore'),
                      ),
                    ),
                  ),
                ),
              ),
            )
          : notice('info', t('entities.noHistory')),
      );
    };
    fill(
      editor,
      h('h3', {}, `${c.entity_type} · ${c.erp_type} · ${t(`direction.${c.direction}`)}`),
      c.warnings.length
        ? h(
            'ul',
            { class: 'warnings' },
            c.warnings.map((w) => h('li', {}, `⚠ ${w.path}: ${w.message}`)),
          )
        : null,
      text,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            id: 'config-validate',
            class: 'secondary',
            disabled: ro,
            onclick: async () => {
              const body = parsed();
              if (!body) return;
              fill(report, notice('info', t('erp.testing')));
              try {
                fill(report, checkList(await api('POST', '/api/v1/sync/config/validate', body), 'config-checks'));
              } catch (err) {
                fill(report, notice('error', errorText(err)));
              }
            },
          },
          t('entities.validate'),
        ),
        h(
          'button',
          {
            id: 'config-save',
            disabled: ro,
            onclick: () => {
              const b = parsed();
              if (b) save(b, t('entities.saved'));
            },
          },
          t('common.save'),
        ),
        toggle,
      ),
      h(
        'div',
        { class: 'actions' },
        h('label', { for: 'config-schedule' }, t('entities.schedule')),
        schedule,
        h(
          'button',
          {
            id: 'config-schedule-save',
            class: 'secondary',
            disabled: ro,
            onclick: () => save({ ...editable(current), sync_frequency: schedule.value.trim() || undefined }, t('entities.saved')),
          },
          t('entities.saveSchedule'),
        ),
      ),
      message,
      report,
      history,
    );
    await loadHistory();
  }

  await loadList();
}

/** Which top-level fields a history entry changed. */
function changedKeys(before, after) {
  if (!before) return [];
  return EDITABLE.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}
