// The REST calls the end-to-end tests make around the browser: seeding the scenario as the
// demo's users would (a grid worker's phone: accept, check in, upload a photo, submit), and
// checking afterwards, through the API, that what the console showed really happened.

import { deflateSync } from 'node:zlib';
import { createHash, randomUUID } from 'node:crypto';

export const BASE = process.env.GRIDASSIST_URL || 'http://127.0.0.1:8080';

export const PASSWORDS = {
  admin: 'demo-admin-pass',
  officer: 'demo-officer-pass',
  supervisor: 'demo-supervisor-pass',
  worker: 'demo-worker-pass',
};

async function call(method, path, { token, body, raw, contentType, etag } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (etag) headers['If-Match'] = etag;
  let payload;
  if (raw) {
    headers['Content-Type'] = contentType;
    payload = raw;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${BASE}/api/v1/${path}`, { method, headers, body: payload });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  if (!response.ok) {
    throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  }
  return { json, etag: response.headers.get('etag') };
}

export const get = async (path, token) => (await call('GET', path, { token })).json;
export const post = async (path, token, body, etag) => (await call('POST', path, { token, body, etag })).json;
export const put = async (path, token, body) => (await call('PUT', path, { token, body })).json;

export async function login(username) {
  const role = username.split('-')[0];
  const { json } = await call('POST', 'auth/login', { body: { username, password: PASSWORDS[role] } });
  return { token: json.access_token, id: json.user.id, name: json.user.display_name };
}

// A small real PNG (a tinted photo stand-in), so the console has a thumbnail to draw.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
export function photoPng(width = 240, height = 180) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const door = x > 90 && x < 150 && y > 60;
      row[1 + x * 3] = door ? 120 : 180 - Math.round((y / height) * 80);
      row[2 + x * 3] = door ? 70 : 200 - Math.round((x / width) * 60);
      row[3 + x * 3] = door ? 40 : 230;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const minutesAgo = (m) => new Date(Date.now() - m * 60000).toISOString();

/** A new serve-documents task on `caseId` at a WGS-84 point, held by `worker` (reassigned to them if needed). */
export async function taskFor(officer, caseId, worker, point, instructions) {
  const created = await post(`cases/${caseId}/tasks`, officer.token, {
    kind: 'serve_documents',
    instructions,
    target: { lat: point.lat, lon: point.lon, crs: 'wgs84' },
  });
  let task = created.task;
  if (task.assignee_id !== worker.id) {
    task = await post(`tasks/${task.id}/assign`, officer.token, { worker_id: worker.id, note: '测试：指定网格员办理' }, task.etag);
  }
  return task;
}

/** A phone's GPS check-in at `point` (WGS-84), taken now. */
export async function checkIn(worker, taskId, point) {
  await post(`tasks/${taskId}/check-ins`, worker.token, {
    client_id: randomUUID(),
    lat: point.lat,
    lon: point.lon,
    crs: 'wgs84',
    accuracy_m: 8,
    // Taken now: a fix from before the assignment would be flagged before_assignment.
    captured_at: new Date().toISOString(),
  });
}

/** The mean of a grid's outer ring's corners: a point well inside the compact demo grids. */
export function gridCentre(feature) {
  const ring = feature.geometry.type === 'Polygon' ? feature.geometry.coordinates[0] : feature.geometry.coordinates[0][0];
  const pts = ring.slice(0, -1);
  return { lon: pts.reduce((a, p) => a + p[0], 0) / pts.length, lat: pts.reduce((a, p) => a + p[1], 0) / pts.length };
}

/** What a worker's phone does: accept, check in at `point`, upload a photo, submit the result. */
export async function workAndSubmit(worker, task, point) {
  await post(`tasks/${task.id}/accept`, worker.token, {});
  await checkIn(worker, task.id, point);
  const png = photoPng();
  const sha = createHash('sha256').update(png).digest('hex');
  const { json: photo } = await call('POST', `tasks/${task.id}/evidence?kind=photo&sha256=${sha}&client_id=${randomUUID()}`, {
    token: worker.token,
    raw: png,
    contentType: 'application/octet-stream',
  });
  await post(`tasks/${task.id}/submission`, worker.token, {
    client_id: randomUUID(),
    result: {
      kind: 'serve_documents',
      attempts: [
        { at: minutesAgo(90), place: '泰兴市黄桥镇东进路18号', outcome: 'not_found', evidence_ids: [] },
        {
          at: minutesAgo(20),
          place: '泰兴市黄桥镇东进路18号',
          outcome: 'refused',
          witness: { name: '王某', organisation: '东进村村委会' },
          evidence_ids: [photo.id],
        },
      ],
      served_attempt: 1,
    },
    note: '被执行人拒收，已留置送达并拍照。',
  });
  return photo;
}

/** A photo uploaded to the task by its worker; returns the evidence item. */
export async function uploadPhoto(worker, taskId) {
  const png = photoPng();
  const sha = createHash('sha256').update(png).digest('hex');
  const { json } = await call('POST', `tasks/${taskId}/evidence?kind=photo&sha256=${sha}&client_id=${randomUUID()}`, {
    token: worker.token,
    raw: png,
    contentType: 'application/octet-stream',
  });
  return json;
}

/**
 * A task of any `kind` on `caseId` at `point`, held by `worker`, accepted, checked in on the
 * spot, with `photos` photos uploaded and the result `build(photoIds)` submitted.
 */
export async function submittedTask(officer, caseId, worker, point, kind, photos, build) {
  const created = await post(`cases/${caseId}/tasks`, officer.token, {
    kind,
    instructions: `测试：${kind === 'serve_documents' ? '送达执行通知书' : '按要求办理并如实填报'}`,
    target: { lat: point.lat, lon: point.lon, crs: 'wgs84' },
  });
  let task = created.task;
  if (task.assignee_id !== worker.id) {
    task = await post(`tasks/${task.id}/assign`, officer.token, { worker_id: worker.id, note: '测试：指定网格员办理' }, task.etag);
  }
  await post(`tasks/${task.id}/accept`, worker.token, {});
  await post(`tasks/${task.id}/check-ins`, worker.token, {
    client_id: randomUUID(),
    lat: point.lat,
    lon: point.lon,
    crs: 'wgs84',
    accuracy_m: 6,
    captured_at: new Date().toISOString(),
  });
  const ids = [];
  for (let k = 0; k < photos; k++) ids.push((await uploadPhoto(worker, task.id)).id);
  await post(`tasks/${task.id}/submission`, worker.token, { client_id: randomUUID(), result: build(ids) });
  return { ...task, photoIds: ids };
}

export { minutesAgo };
