// One dictionary per language; Spanish by default, the choice kept in localStorage.
import es from './i18n/es.js';
import en from './i18n/en.js';

const DICTS = { es, en };
const KEY = 'parse-sync.lang';
let lang = localStorage.getItem(KEY) === 'en' ? 'en' : 'es';

export const getLang = () => lang;
export function setLang(l) {
  lang = l === 'en' ? 'en' : 'es';
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
}
document.documentElement.lang = lang;

/** The text of `key` with `{name}` placeholders filled. */
export function t(key, vars = {}) {
  const s = DICTS[lang][key] ?? DICTS.es[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_m, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}
