// The console shell: session, log in, navigation (hash routes), language, log out.
import { api, errorText, setCsrf, setOnUnauthorized } from './api.js';
import { fill, h, notice } from './dom.js';
import { setZone } from './format.js';
import { getLang, setLang, t } from './i18n.js';
import * as overview from './pages/overview.js';
import * as queue from './pages/queue.js';
import * as logs from './pages/logs.js';
import * as erp from './pages/erp.js';
import * as entities from './pages/entities.js';
import * as agent from './pages/agent.js';

const PAGES = { overview, queue, logs, erp, entities, agent };
const root = document.getElementById('app');
let session = null;
/** Stops the current page's timers when another page is shown. */
let cleanup = null;

function stopPage() {
  if (cleanup) cleanup();
  cleanup = null;
}

function showLogin(message) {
  stopPage();
  session = null;
  const key = h('input', {
    id: 'login-key',
    name: 'key',
    type: 'password',
    autocomplete: 'off',
    required: true,
    'aria-label': t('login.key'),
  });
  const out = h('div', { id: 'login-message' }, message ? notice('error', message) : null);
  const form = h(
    'form',
    {
      id: 'login-form',
      class: 'login',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const s = await api('POST', '/console/api/login', { key: key.value.trim() });
          key.value = '';
          start(s);
        } catch (err) {
          fill(out, notice('error', err.status === 401 ? t('login.bad') : errorText(err)));
        }
      },
    },
    h('h1', {}, 'parse-sync'),
    h('p', {}, t('login.intro')),
    h('label', { for: 'login-key' }, t('login.key')),
    key,
    h('button', { type: 'submit', id: 'login-submit' }, t('login.submit')),
    out,
    langPicker(),
  );
  fill(root, form);
  key.focus();
}

function langPicker() {
  return h(
    'select',
    {
      id: 'lang',
      'aria-label': t('nav.language'),
      onchange: (e) => {
        setLang(e.target.value);
        if (session) render();
        else showLogin();
      },
    },
    h('option', { value: 'es', selected: getLang() === 'es' }, 'Español'),
    h('option', { value: 'en', selected: getLang() === 'en' }, 'English'),
  );
}

function start(s) {
  session = s;
  setCsrf(s.csrf_token);
  setZone(s.timezone);
  if (!location.hash) location.hash = '#/overview';
  render();
}

function render() {
  stopPage();
  const name = (location.hash.replace(/^#\/?/, '') || 'overview').split('?')[0];
  const page = PAGES[name] ?? overview;
  const canWrite = session.scopes.includes('admin');
  const nav = h(
    'nav',
    {},
    Object.keys(PAGES).map((p) => h('a', { href: `#/${p}`, class: p === name ? 'active' : '', id: `nav-${p}` }, t(`nav.${p}`))),
  );
  const main = h('main', { id: `page-${name}` });
  const header = h(
    'header',
    {},
    h('strong', {}, 'parse-sync'),
    h('span', { class: 'tenant', id: 'tenant' }, `${session.tenant_name} · ${session.timezone}`),
    h('span', { class: 'role', id: 'role' }, canWrite ? t('role.admin') : t('role.viewer')),
    langPicker(),
    h(
      'button',
      {
        id: 'logout',
        class: 'secondary',
        onclick: async () => {
          await api('POST', '/console/api/logout').catch(() => {});
          location.hash = '';
          showLogin();
        },
      },
      t('nav.logout'),
    ),
  );
  fill(root, header, nav, main);
  const ctx = { session, canWrite };
  Promise.resolve(page.render(main, ctx))
    .then((stop) => {
      cleanup = typeof stop === 'function' ? stop : null;
    })
    .catch((err) => fill(main, notice('error', errorText(err))));
}

setOnUnauthorized(() => showLogin(t('login.expired')));
window.addEventListener('hashchange', () => session && render());

api('GET', '/console/api/session')
  .then(start)
  .catch(() => showLogin());
