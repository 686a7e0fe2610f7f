// The REST API client. Only this module touches tokens.
//
// Where the tokens live (docs/CONSOLE.md explains the choice):
// - the access token (15 minutes) only in memory, in this module;
// - the refresh token in sessionStorage, so reloading the page keeps the user signed in, while
//   closing the tab ends it; never in localStorage, where it would outlive the tab and be shared
//   with every other tab.
// Refresh tokens work once: concurrent requests that find the access token expired share one
// refresh (`refreshing`), so a token is never presented twice (which would revoke the sign-in).

const REFRESH_KEY = 'gridassist.refresh';
const BASE = '/api/v1';

let accessToken = null;
let currentUser = null;
let refreshing = null;
let onSessionEnd = () => {};
const memo = new Map();

/** A problem document (RFC 9457) or a network failure, as an exception. */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || (status === 0 ? 'network' : 'http_error');
    this.field = problem.field;
    this.detail = problem.detail;
    this.requestId = problem.requestId;
  }
}

function readRefresh() {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

function writeRefresh(token) {
  try {
    if (token) sessionStorage.setItem(REFRESH_KEY, token);
    else sessionStorage.removeItem(REFRESH_KEY);
  } catch {
    // Storage disabled: the session lasts as long as the page.
  }
}

function adopt(session) {
  accessToken = session.access_token;
  currentUser = session.user;
  writeRefresh(session.refresh_token);
  return currentUser;
}

function forget() {
  accessToken = null;
  currentUser = null;
  writeRefresh(null);
  memo.clear();
}

async function problemOf(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON (e.g. a proxy's error page).
  }
  body.requestId = response.headers.get('x-request-id');
  if (response.status === 429) body.retryAfter = response.headers.get('retry-after');
  const error = new ApiError(response.status, body);
  error.retryAfter = body.retryAfter;
  return error;
}

async function send(path, { method = 'GET', body, raw, headers = {}, auth = true } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (raw !== undefined) init.body = raw;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (auth && accessToken) init.headers.Authorization = `Bearer ${accessToken}`;
  try {
    return await fetch(path.startsWith('/') ? path : `${BASE}/${path}`, init);
  } catch {
    throw new ApiError(0, {});
  }
}

/** Called when the sign-in cannot be renewed (the app then shows the login form). */
export function setSessionEndHandler(handler) {
  onSessionEnd = handler;
}

export function user() {
  return currentUser;
}

export async function login(username, password) {
  const response = await send('auth/login', {
    method: 'POST',
    body: { username, password },
    auth: false,
  });
  if (!response.ok) throw await problemOf(response);
  memo.clear();
  return adopt(await response.json());
}

/** Swap the refresh token for a new pair; one at a time. */
function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const token = readRefresh();
      if (!token) return false;
      const response = await send('auth/refresh', {
        method: 'POST',
        body: { refresh_token: token },
        auth: false,
      });
      if (!response.ok) {
        forget();
        return false;
      }
      adopt(await response.json());
      return true;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** After a reload: sign in again with the tab's refresh token, if it has one. */
export async function resume() {
  if (!readRefresh()) return null;
  try {
    return (await refresh()) ? currentUser : null;
  } catch {
    return null;
  }
}

export async function logout() {
  const token = readRefresh();
  try {
    if (token && accessToken) {
      await send('auth/logout', { method: 'POST', body: { refresh_token: token } });
    }
  } finally {
    forget();
  }
}

/** A request with the access token; an expired one is renewed once and the request repeated. */
export async function request(path, options = {}) {
  let response = await send(path, options);
  if (response.status === 401 && options.auth !== false) {
    if (await refresh()) {
      response = await send(path, options);
    } else {
      forget();
      onSessionEnd();
    }
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

/** GET a JSON document. */
export async function get(path) {
  return (await request(path)).json();
}

/** GET with the response's ETag (tasks need it for If-Match). */
export async function getWithEtag(path) {
  const response = await request(path);
  return { body: await response.json(), etag: response.headers.get('etag') };
}

/** POST JSON; `etag` becomes If-Match. */
export async function post(path, body, { etag } = {}) {
  const headers = etag ? { 'If-Match': etag } : {};
  const response = await request(path, { method: 'POST', body, headers });
  return response.status === 204 ? null : response.json();
}

/** POST a text document (a CSV import) as `contentType`; the JSON answer. */
export async function postText(path, text, contentType) {
  return (await request(path, { method: 'POST', raw: text, headers: { 'Content-Type': contentType } })).json();
}

/** GET a file as a Blob (evidence, CSV exports). */
export async function blob(path, accept = '*/*') {
  return (await request(path, { headers: { Accept: accept } })).blob();
}

/** Every item of a paginated list (follows next_cursor; `limit` per page). */
export async function all(path, limit = 200) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** Remember a slow-changing answer (grids, the worker directory) for this sign-in. */
export function cached(key, load) {
  if (!memo.has(key)) {
    memo.set(
      key,
      load().catch((error) => {
        memo.delete(key);
        throw error;
      }),
    );
  }
  return memo.get(key);
}

/** Drop remembered answers whose key starts with `prefix` (after a change that affects them). */
export function invalidate(prefix) {
  for (const key of [...memo.keys()]) {
    if (key.startsWith(prefix)) memo.delete(key);
  }
}
