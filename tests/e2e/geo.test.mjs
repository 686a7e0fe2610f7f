// The field app's coordinate conversions (web/app/js/geo.js) give the server's reference values
// (src/geo/crs.rs tests), so a navigation app is handed the same point the server stores.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { distanceM, gcj02ToBd09, navigationLinks, wgs84ToGcj02 } from '../../web/app/js/geo.js';

const close = (a, b, eps) => assert.ok(Math.abs(a.lat - b.lat) < eps && Math.abs(a.lon - b.lon) < eps, `${JSON.stringify(a)} ≈ ${JSON.stringify(b)}`);

test('WGS-84 → GCJ-02 matches the published reference (Tiananmen)', () => {
  close(wgs84ToGcj02({ lat: 39.915, lon: 116.404 }), { lat: 39.91640428150164, lon: 116.41024449916938 }, 1e-12);
});

test('GCJ-02 → BD-09 matches the published reference', () => {
  close(gcj02ToBd09({ lat: 39.915, lon: 116.404 }), { lat: 39.92133699351022, lon: 116.41036949371029 }, 1e-12);
});

test('outside mainland China GCJ-02 is WGS-84', () => {
  assert.deepEqual(wgs84ToGcj02({ lat: 48.8584, lon: 2.2945 }), { lat: 48.8584, lon: 2.2945 });
});

test('each navigation app gets the target in its own system', () => {
  const target = { lat: 32.1315, lon: 119.965 };
  const links = Object.fromEntries(navigationLinks(target, '人民路66号').map((l) => [l.app, l.href]));
  const gcj = wgs84ToGcj02(target);
  const bd = gcj02ToBd09(gcj);
  assert.ok(links.amap.includes(`dlat=${gcj.lat.toFixed(6)}&dlon=${gcj.lon.toFixed(6)}`));
  assert.ok(links.amap.includes('dev=0'), 'Amap is told the point is already GCJ-02');
  assert.ok(links.baidu.includes(`latlng:${bd.lat.toFixed(6)},${bd.lon.toFixed(6)}`) && links.baidu.includes('coord_type=bd09ll'));
  assert.ok(links.system.startsWith('geo:32.131500,119.965000'));
  // The offset is real: a few hundred metres between the systems in Jiangsu.
  const offset = distanceM(target, gcj);
  assert.ok(offset > 100 && offset < 1000, `offset ${offset} m`);
});

test('a target without coordinates offers no navigation', () => {
  assert.deepEqual(navigationLinks({ lat: null, lon: null }, 'x'), []);
});
