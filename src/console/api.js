// fetch for the console: the session cookie goes by itself; changes carry the session's CSRF token.
import { getLang } from './i18n.js';

let csrf = null;
export const setCsrf = (token) => (csrf = token);

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? null;
    this.details = error?.details ?? null;
  }
}

/** Called on 401 (session expired or key revoked): the app shows the login form. */
let onUnauthorized = () => {};
export const setOnUnauthorized = (fn) => (onUnauthorized = fn);

export async function api(method, path, body) {
  const headers = { accept: 'application/json', 'accept-language': getLang() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (res.status === 401 && !path.endsWith('/login')) onUnauthorized();
  if (!res.ok) throw new ApiError(res.status, json?.error);
  return json;
}

/** The error's message and, for validation errors, each field named. */
export function errorText(err) {
  const details = Array.isArray(err.details) ? err.details.map((d) => `${d.path}: ${d.message}`).join('; ') : '';
  return details ? `${err.message} — ${details}` : err.message;
}
