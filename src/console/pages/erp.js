// ERP connection: the form (password write-only) and "Probar conexión" with each check of the deep probe.
import { api, errorText } from '../api.js';
import { fill, h, notice } from '../dom.js';
import { fmtDate } from '../format.js';
import { t } from '../i18n.js';
import { checkList } from './checks.js';

const TEXT_FIELDS = ['erp_type', 'host', 'instance_name', 'database', 'username'];
const NUMBER_FIELDS = ['port', 'connect_timeout_ms', 'request_timeout_ms'];

export async function render(main, ctx) {
  let current = null;
  try {
    current = await api('GET', '/api/v1/sync/erp-connection');
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  const c = current ?? { erp_type: 'AXIOMA', mode: 'direct', port: 1433, encrypt: 'on', trust_server_certificate: false };
  const inputs = {};
  const field = (name, el) => {
    inputs[name] = el;
    return h('label', { for: `erp-${name}` }, t(`erp.${name}`), el);
  };
  const ro = !ctx.canWrite;
  const message = h('div', { id: 'erp-message' });
  const report = h('div', { id: 'erp-report' });
  const form = h(
    'form',
    {
      id: 'erp-form',
      class: 'grid',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          current = await api('PUT', '/api/v1/sync/erp-connection', body());
          inputs.password.value = '';
          inputs.password.placeholder = t('erp.passwordKept');
          fill(message, notice('ok', t('erp.saved', { version: current.version })));
        } catch (err) {
          fill(message, notice('error', errorText(err)));
        }
      },
    },
    ...TEXT_FIELDS.map((f) => field(f, h('input', { id: `erp-${f}`, value: c[f] ?? '', disabled: ro }))),
    field(
      'mode',
      h(
        'select',
        { id: 'erp-mode', disabled: ro },
        ['direct', 'agent'].map((m) => h('option', { value: m, selected: c.mode === m }, t(`erp.mode.${m}`))),
      ),
    ),
    ...NUMBER_FIELDS.map((f) => field(f, h('input', { id: `erp-${f}`, type: 'number', value: c[f] ?? '', disabled: ro }))),
    field(
      'password',
      h('input', {
        id: 'erp-password',
        type: 'password',
        autocomplete: 'new-password',
        placeholder: current?.password_set ? t('erp.passwordKept') : '',
        disabled: ro,
      }),
    ),
    field(
      'encrypt',
      h(
        'select',
        { id: 'erp-encrypt', disabled: ro },
        ['off', 'on', 'strict'].map((m) => h('option', { value: m, selected: c.encrypt === m }, m)),
      ),
    ),
    field(
      'trust_server_certificate',
      h('input', { id: 'erp-trust_server_certificate', type: 'checkbox', checked: c.trust_server_certificate, disabled: ro }),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', id: 'erp-save', disabled: ro }, t('common.save')),
      h('button', { type: 'button', id: 'erp-test', class: 'secondary', disabled: ro, onclick: () => test() }, t('erp.test')),
    ),
  );

  function body() {
    const b = { mode: inputs.mode.value, encrypt: inputs.encrypt.value, trust_server_certificate: inputs.trust_server_certificate.checked };
    for (const f of TEXT_FIELDS) b[f] = inputs[f].value.trim() || null;
    // Integers typed by a person: sent as JSON numbers because the API's schema says int (ports, milliseconds).
    for (const f of NUMBER_FIELDS) b[f] = inputs[f].value === '' ? null : Number(inputs[f].value);
    if (inputs.password.value) b.password = inputs.password.value;
    return b;
  }

  async function test() {
    fill(report, notice('info', t('erp.testing')));
    try {
      fill(report, checkList(await api('POST', '/api/v1/sync/erp-connection/test'), 'erp-checks'));
    } catch (err) {
      fill(report, notice('error', errorText(err)));
    }
  }

  fill(
    main,
    h('h2', {}, t('nav.erp')),
    current
      ? h('p', { class: 'meta' }, t('erp.version', { version: current.version, at: fmtDate(current.updated_at) }))
      : notice('info', t('erp.none')),
    form,
    message,
    report,
  );
}
