// What the phone keeps, in IndexedDB (one database, `gridassist-app`):
// - `kv`: the session (refresh token, the signed-in user), the sync cursor, the time of the last
//   sync, notices of tasks taken away, the cached score sheet;
// - `tasks`: each task as the server last sent it (with the party data the role may see), plus
//   what the phone learnt about it (its evidence list, the flags of its check-ins);
// - `outbox`: actions waiting to be sent, in the order they were made (accept, decline, check-in,
//   evidence upload, submission), each with its own client id, so a retry is never a second act;
// - `files`: the bytes of evidence not yet uploaded (kept until the server has them);
// - `drafts`: the result form of each task as the worker left it.
// Signing out deletes all of it (wipe()). Nothing here is sent anywhere except by the outbox.

const DB_NAME = 'gridassist-app';
const DB_VERSION = 1;
export const STORES = ['kv', 'tasks', 'outbox', 'files', 'drafts'];

let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains('kv')) db.createObjectStore('kv');
        if (!db.objectStoreNames.contains('tasks')) db.createObjectStore('tasks', { keyPath: 'id' });
        if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        if (!db.objectStoreNames.contains('files')) db.createObjectStore('files', { keyPath: 'ref' });
        if (!db.objectStoreNames.contains('drafts')) db.createObjectStore('drafts', { keyPath: 'task_id' });
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading the schema: let it, and reopen next time.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

/** Run `work(stores)` in one transaction over the named stores; resolves when it commits. */
export async function tx(names, mode, work) {
  const db = await open();
  const list = Array.isArray(names) ? names : [names];
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(list, mode);
    const stores = Object.fromEntries(list.map((n) => [n, transaction.objectStore(n)]));
    let result;
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error('transaction aborted'));
    Promise.resolve(work(stores)).then(
      (value) => {
        result = value;
      },
      (error) => {
        try {
          transaction.abort();
        } catch {
          // Already finished.
        }
        reject(error);
      },
    );
  });
}

export function get(store, key) {
  return tx(store, 'readonly', (s) => promised(s[store].get(key)));
}

export function all(store) {
  return tx(store, 'readonly', (s) => promised(s[store].getAll()));
}

export function put(store, value, key) {
  return tx(store, 'readwrite', (s) => promised(key === undefined ? s[store].put(value) : s[store].put(value, key)));
}

export function del(store, key) {
  return tx(store, 'readwrite', (s) => promised(s[store].delete(key)));
}

export { promised };

/** Delete everything the app stored on this phone (sign-out). */
export async function wipe() {
  await tx(STORES, 'readwrite', (s) => Promise.all(STORES.map((n) => promised(s[n].clear()))));
}

/** Ask the browser not to evict our data under storage pressure (best effort). */
export async function persist() {
  try {
    if (navigator.storage && navigator.storage.persist) await navigator.storage.persist();
  } catch {
    // Not offered: the data stays, but may be evicted when the phone runs out of space.
  }
}
