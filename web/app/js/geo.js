// Positions on the phone: the Geolocation API, distances, and the hand-off of a task's target to
// a navigation app. The server stores WGS-84 (raw GPS); Amap expects GCJ-02 and Baidu BD-09, so the
// target is converted with the same published formulas as src/geo/crs.rs (the node test
// tests/e2e/geo.test.mjs checks both against the server's reference values).

const EARTH_RADIUS_M = 6371008.8;
const KRASOVSKY_A = 6378245.0;
const KRASOVSKY_EE = 0.006693421622965943;
const X_PI = (Math.PI * 3000.0) / 180.0;

/** Great-circle distance in metres between two {lat, lon} points. */
export function distanceM(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

function outOfChina(p) {
  return !(p.lon >= 72.004 && p.lon <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271);
}

function transformLat(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function transformLon(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

/** WGS-84 → GCJ-02 (Amap, Tencent); unchanged outside mainland China. */
export function wgs84ToGcj02(p) {
  if (outOfChina(p)) return { lat: p.lat, lon: p.lon };
  let dLat = transformLat(p.lon - 105.0, p.lat - 35.0);
  let dLon = transformLon(p.lon - 105.0, p.lat - 35.0);
  const radLat = (p.lat / 180.0) * Math.PI;
  const magic = 1.0 - KRASOVSKY_EE * Math.sin(radLat) * Math.sin(radLat);
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrtMagic)) * Math.PI);
  dLon = (dLon * 180.0) / ((KRASOVSKY_A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return { lat: p.lat + dLat, lon: p.lon + dLon };
}

/** GCJ-02 → BD-09 (Baidu). */
export function gcj02ToBd09(p) {
  const x = p.lon;
  const y = p.lat;
  const z = Math.sqrt(x * x + y * y) + 0.00002 * Math.sin(y * X_PI);
  const theta = Math.atan2(y, x) + 0.000003 * Math.cos(x * X_PI);
  return { lat: z * Math.sin(theta) + 0.006, lon: z * Math.cos(theta) + 0.0065 };
}

const fixed = (n) => n.toFixed(6);

/**
 * Links that open the target in a navigation app, each in the system that app expects:
 * Amap (GCJ-02, `dev=0` says "already GCJ-02"), Baidu (BD-09, `coord_type=bd09ll`), and the
 * phone's own map app through a `geo:` URI (WGS-84, as RFC 5870 defines).
 */
export function navigationLinks(target, name) {
  if (target?.lat == null || target?.lon == null) return [];
  const label = encodeURIComponent(name || '目标位置');
  const gcj = wgs84ToGcj02(target);
  const bd = gcj02ToBd09(gcj);
  return [
    {
      app: 'amap',
      href: `amapuri://route/plan/?dlat=${fixed(gcj.lat)}&dlon=${fixed(gcj.lon)}&dname=${label}&dev=0&t=2`,
    },
    {
      app: 'baidu',
      href: `baidumap://map/direction?destination=latlng:${fixed(bd.lat)},${fixed(bd.lon)}|name:${label}&coord_type=bd09ll&mode=walking&src=gridassist`,
    },
    { app: 'system', href: `geo:${fixed(target.lat)},${fixed(target.lon)}?q=${fixed(target.lat)},${fixed(target.lon)}(${label})` },
  ];
}

/**
 * One position fix: {lat, lon, accuracy_m, captured_at} in WGS-84 (the Geolocation API's
 * system), `captured_at` being the fix's own time, not the moment it was read.
 */
export function currentPosition({ timeout = 20000, maximumAge = 0 } = {}) {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(Object.assign(new Error('no geolocation'), { code: 'unsupported' }));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) =>
        resolve({
          lat: pos.coords.latitude,
          lon: pos.coords.longitude,
          accuracy_m: pos.coords.accuracy,
          captured_at: new Date(pos.timestamp || Date.now()).toISOString(),
        }),
      (err) => reject(Object.assign(new Error(err.message), { code: ['', 'denied', 'unavailable', 'timeout'][err.code] || 'unavailable' })),
      { enableHighAccuracy: true, timeout, maximumAge },
    );
  });
}

let lastFix = null;
let watching = false;
const positionListeners = new Set();

/**
 * The latest known position (for distances in the list), or null. Starts watching once;
 * `onMove` is called when the position moves by more than 50 m (not on every fix, which would
 * redraw the list every second).
 */
export function lastKnownPosition(onMove) {
  if (onMove) positionListeners.add(onMove);
  if (!watching && navigator.geolocation) {
    watching = true;
    navigator.geolocation.watchPosition(
      (pos) => {
        const fix = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: pos.coords.accuracy };
        const moved = !lastFix || distanceM(lastFix, fix) > 50;
        if (moved) {
          lastFix = fix;
          for (const listener of positionListeners) listener(fix);
        }
      },
      () => {},
      { enableHighAccuracy: false, maximumAge: 60000, timeout: 60000 },
    );
  }
  return lastFix;
}

/** Stop telling a screen about moves (it was left). */
export function forgetPositionListener(onMove) {
  positionListeners.delete(onMove);
}
