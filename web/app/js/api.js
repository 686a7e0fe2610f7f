// The REST client of the field app. Only this module touches tokens.
//
// - The access token (15 minutes) lives in memory only.
// - The refresh token lives in IndexedDB (kv `session`), because a worker signs in once and then
//   works for days, often offline; signing out deletes it with everything else.
// - Refresh tokens work once. Every renewal runs under a Web Lock shared by the app's tabs and
//   re-reads the stored token inside the lock, so one token is never presented twice (which the
//   server treats as theft and answers by revoking the sign-in).
// - When renewal is refused (revoked, expired), the session is "lost": the app asks for the
//   password again, and nothing queued on the phone is touched.

import * as store from './store.js';

const BASE = '/api/v1';
const LOCK = 'gridassist-app-refresh';

let accessToken = null;
const listeners = new Set();

/** A problem document (RFC 9457) or a network failure (status 0), as an exception. */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || (status === 0 ? 'network' : 'http_error');
    this.field = problem.field;
    this.detail = problem.detail;
    this.requestId = problem.requestId;
  }

  /** Worth trying again later: no connection, the server busy or failing, a retry in flight. */
  get transient() {
    return this.status === 0 || this.status === 429 || this.status >= 500 || this.code === 'request_in_progress';
  }
}

/** The session could not be renewed: listeners ask for the password. */
export function onSessionLost(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function session() {
  return (await store.get('kv', 'session')) || null;
}

/** The signed-in user as last known (works offline). */
export async function user() {
  return (await session())?.user || null;
}

async function problemOf(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page).
  }
  body.requestId = response.headers.get('x-request-id');
  return new ApiError(response.status, body);
}

async function send(path, { method = 'GET', body, headers = {}, auth = true } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store' };
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

async function adopt(answer) {
  accessToken = answer.access_token;
  await store.put('kv', { refresh_token: answer.refresh_token, user: answer.user, lost: false }, 'session');
  return answer.user;
}

function withLock(work) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request(LOCK, work);
  return work();
}

let renewing = null;

/** Swap the stored refresh token for a new pair. True when renewed. */
function renew(staleAccess) {
  if (!renewing) {
    renewing = withLock(async () => {
      // Another tab (or request) may have renewed while we waited for the lock.
      if (accessToken && accessToken !== staleAccess) return true;
      const current = await session();
      if (!current?.refresh_token || current.lost) return false;
      const response = await send('auth/refresh', {
        method: 'POST',
        body: { refresh_token: current.refresh_token },
        auth: false,
      });
      if (response.status === 400 || response.status === 401 || response.status === 403) {
        accessToken = null;
        await store.put('kv', { ...current, refresh_token: null, lost: true }, 'session');
        for (const listener of listeners) listener();
        return false;
      }
      if (!response.ok) throw await problemOf(response);
      await adopt(await response.json());
      return true;
    }).finally(() => {
      renewing = null;
    });
  }
  return renewing;
}

/** Sign in. Another user's data left on this phone is wiped first (it is not theirs to see). */
export async function login(username, password) {
  const response = await send('auth/login', { method: 'POST', body: { username, password }, auth: false });
  if (!response.ok) throw await problemOf(response);
  const answer = await response.json();
  const previous = await user();
  if (previous && previous.id !== answer.user.id) await store.wipe();
  return adopt(answer);
}

/** Sign out: revoke the sign-in when online, and wipe the phone's data in any case. */
export async function logout() {
  const current = await session();
  try {
    if (current?.refresh_token && navigator.onLine) {
      if (!accessToken) await renew(null).catch(() => false);
      await send('auth/logout', { method: 'POST', body: { refresh_token: current.refresh_token } });
    }
  } catch {
    // Offline or refused: the token expires on its own; the phone forgets it now.
  } finally {
    accessToken = null;
    await store.wipe();
  }
}

/** A request as the signed-in user; an expired access token is renewed once. */
export async function request(path, options = {}) {
  if (!accessToken && !(await renew(null))) throw new ApiError(401, { code: 'session_lost' });
  const used = accessToken;
  let response = await send(path, options);
  if (response.status === 401) {
    if (!(await renew(used))) throw new ApiError(401, { code: 'session_lost' });
    response = await send(path, options);
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

export async function get(path) {
  return (await request(path)).json();
}

/** POST JSON with an Idempotency-Key, so a retry after a lost answer acts once. */
export async function post(path, body, key) {
  const headers = key ? { 'Idempotency-Key': key } : {};
  const response = await request(path, { method: 'POST', body, headers });
  return response.status === 204 ? null : response.json();
}

/** Upload bytes with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export async function upload(path, blob, key, onProgress) {
  if (!accessToken && !(await renew(null))) throw new ApiError(401, { code: 'session_lost' });
  const attempt = () =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${BASE}/${path}`);
      xhr.setRequestHeader('Authorization', `Bearer ${accessToken}`);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('Accept', 'application/json');
      if (key) xhr.setRequestHeader('Idempotency-Key', key);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress && onProgress(e.loaded / e.total);
      xhr.onerror = () => reject(new ApiError(0, {}));
      xhr.ontimeout = () => reject(new ApiError(0, {}));
      xhr.onload = () => {
        let body = {};
        try {
          body = JSON.parse(xhr.responseText || '{}');
        } catch {
          // Not JSON.
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body);
        else reject(Object.assign(new ApiError(xhr.status, { ...body, requestId: xhr.getResponseHeader('x-request-id') })));
      };
      xhr.send(blob);
    });
  const used = accessToken;
  try {
    return await attempt();
  } catch (error) {
    if (error.status !== 401) throw error;
    if (!(await renew(used))) throw new ApiError(401, { code: 'session_lost' });
    return attempt();
  }
}

/** Whether a sign-in exists on this phone and whether it still needs the password. */
export async function state() {
  const current = await session();
  if (!current?.user) return 'signed_out';
  return current.lost ? 'lost' : 'signed_in';
}
