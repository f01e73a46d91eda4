// A probe report (connection test, config validation): each check ✔/✘ with its next step.
import { h } from '../dom.js';
import { t } from '../i18n.js';

const MARK = { ok: '✔', fail: '✘', warn: '⚠', skip: '–' };

export function checkList(report, id) {
  return h(
    'div',
    { id, class: report.ok ? 'report report-ok' : 'report report-fail' },
    h('p', { class: 'report-summary' }, report.ok ? t('checks.ok') : t('checks.fail')),
    h(
      'ul',
      { class: 'checks' },
      report.checks.map((c) =>
        h(
          'li',
          { class: `check check-${c.status}`, 'data-check': c.id, 'data-status': c.status },
          h('span', { class: 'mark' }, MARK[c.status] ?? '?'),
          h('strong', {}, ` ${c.title}`),
          c.detail ? h('div', { class: 'detail' }, c.detail) : null,
          c.status !== 'ok' && c.next_step ? h('div', { class: 'next-step' }, `→ ${c.next_step}`) : null,
        ),
      ),
    ),
  );
}
