// The console's maps end to end (issue 18 item 3, and item 1's check-in points), in headless
// Chromium: the Leaflet map pans and zooms, grid and township names are drawn, an officer pins a
// queued task by clicking (warned when the point is outside the address's township), reassigns
// through the searchable list (eligible and nearest first), sees the check-ins beside the target;
// the supervisor's township map keeps its load shading; every map fits a phone.
//
// Data: officer-3's court, 根思乡 (township 6, supervisor-6, worker-6-01 … worker-6-64). Only the
// tasks made here are asserted on. Screenshots: map-*.png and phone-map-*.png in SCREENSHOT_DIR.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { BASE, checkIn, get, gridCentre, login, post, taskFor } from './api.mjs';
import { PHONE, fits, launch, open as openConsole, shot, signIn } from './console_browser.mjs';

let browser;
const seed = {};
const open = (locale, viewport) => openConsole(browser, locale, viewport);

/** Click the map at a WGS-84 point (panned into view first, as a person would drag it there). */
async function clickAt(page, point) {
  const xy = await page.evaluate(async ({ lat, lon }) => {
    const box = document.querySelector('.map');
    const map = box.leaflet;
    map.panTo([lat, lon], { animate: false });
    await new Promise((r) => setTimeout(r, 150));
    const p = map.latLngToContainerPoint([lat, lon]);
    const r = box.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, point);
  await page.mouse.click(xy.x, xy.y);
}

before(async () => {
  browser = await launch();
  const officer = await login('officer-3');
  seed.officer = officer;
  seed.case = (await get('cases?status=open&limit=1', officer.token)).items[0];
  const collection = await get('grids', officer.token);
  const supervisor = await login('supervisor-6');
  const own = await get('grids', supervisor.token);
  seed.townshipId = own.features[0].properties.township_id;
  seed.townshipName = own.features[0].properties.township_name;
  const mine = collection.features.filter((f) => f.properties.township_id === seed.townshipId);
  const other = collection.features.filter((f) => f.properties.township_id !== seed.townshipId);
  assert.ok(mine.length === 64 && other.length, 'the court has 根思乡 and other townships');
  seed.grid = mine.find((f) => f.properties.code.endsWith('-020')) || mine[20];
  seed.point = gridCentre(seed.grid);
  // A point of another township, the nearest to 根思乡's grid.
  const d = (f) => Math.hypot(gridCentre(f).lat - seed.point.lat, gridCentre(f).lon - seed.point.lon);
  seed.otherGrid = other.sort((a, b) => d(a) - d(b))[0];
  seed.otherPoint = gridCentre(seed.otherGrid);
  seed.otherTownship = seed.otherGrid.properties.township_name;

  // A task at the grid's centre, held by worker-6-01: two check-ins, one on the spot, one ~450 m off.
  seed.worker = await login('worker-6-01');
  seed.checked = await taskFor(officer, seed.case.id, seed.worker, seed.point, 'e2e 地图：签到位置');
  await post(`tasks/${seed.checked.id}/accept`, seed.worker.token, {});
  await checkIn(seed.worker, seed.checked.id, seed.point);
  await checkIn(seed.worker, seed.checked.id, { lat: seed.point.lat + 0.004, lon: seed.point.lon });

  // A task to reassign (assigned automatically in the grid).
  seed.reassign = (
    await post(`cases/${seed.case.id}/tasks`, officer.token, {
      kind: 'serve_documents',
      instructions: 'e2e 地图：改派',
      target: { ...seed.point, crs: 'wgs84' },
    })
  ).task;

  // A task with an address only: queued, to pin.
  seed.queued = (
    await post(`cases/${seed.case.id}/tasks`, officer.token, {
      kind: 'serve_documents',
      instructions: 'e2e 地图：待定位',
      target_address: `${seed.townshipName}新街村三组18号`,
    })
  ).task;
});

after(async () => {
  await browser?.close();
});

describe('maps', () => {
  test('the task map pans and zooms, names grids and townships, and draws the check-ins beside the target', async () => {
    const page = await open();
    await signIn(page, 'officer-3');
    await page.locator('#nav').waitFor();
    await page.goto(`${BASE}/#/tasks/${seed.checked.id}`);
    await page.getByRole('heading', { name: new RegExp(`任务 #${seed.checked.id}`) }).waitFor();
    const map = page.locator('.map[data-ready="true"]');
    await map.waitFor();
    // Leaflet's controls, in Chinese.
    await page.locator('.leaflet-control-zoom-in[title="放大"]').waitFor();
    await page.locator('.leaflet-control-zoom-out[title="缩小"]').waitFor();
    // The target, the task's grid highlighted, both check-ins (one flagged) and the legend.
    await page.locator('.map path.marker.target').waitFor();
    assert.equal(await page.locator('.map path.grid.highlight').count(), 1);
    assert.equal(await page.locator('.map path.marker.check-in').count(), 2, 'two check-ins drawn');
    assert.equal(await page.locator('.map path.marker.check-in.flagged').count(), 1, 'the far one flagged');
    await page.locator('.map-legend').getByText('有异常的签到').waitFor();
    // Names: the township's, and grids' where they fit.
    await page.locator('.map .township-label', { hasText: seed.townshipName }).first().waitFor();
    await page.mouse.move(0, 0);
    await shot(page, 'map-task-check-ins');
    const before = await page.locator('.map .grid-label').count();
    const zoom0 = Number(await map.getAttribute('data-zoom'));
    await page.locator('.leaflet-control-zoom-in').click();
    await page.locator('.leaflet-control-zoom-in').click();
    await page.waitForFunction((z) => Number(document.querySelector('.map').dataset.zoom) > z, zoom0);
    await page.waitForTimeout(400);
    const zoomed = await page.locator('.map .grid-label').count();
    assert.ok(zoomed > 0, 'grid names are drawn once zoomed in');
    assert.ok(before >= 0 && zoomed >= 1);
    await page.locator('.map .grid-label', { hasText: seed.grid.properties.name.replace(seed.townshipName, '') }).first().waitFor();
    await shot(page, 'map-task-zoomed');
    // Pan: a drag moves the centre.
    const c0 = await page.evaluate(() => document.querySelector('.map').leaflet.getCenter());
    const r = await map.boundingBox();
    await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
    await page.mouse.down();
    await page.mouse.move(r.x + r.width / 2 - 150, r.y + r.height / 2 - 80, { steps: 8 });
    await page.mouse.up();
    const c1 = await page.evaluate(() => document.querySelector('.map').leaflet.getCenter());
    assert.ok(c1.lng > c0.lng && c1.lat < c0.lat, `the map panned (${JSON.stringify(c0)} → ${JSON.stringify(c1)})`);
    assert.deepEqual(page.problems, []);
  });

  test('check-in positions: the officers of the court may read them, the supervisor and the worker may not', async () => {
    const points = await get(`tasks/${seed.checked.id}/check-ins`, seed.officer.token);
    assert.equal(points.length, 2);
    assert.ok(points[1].flags.includes('far_from_target'));
    const denied = async (username) => {
      const who = await login(username);
      const response = await fetch(`${BASE}/api/v1/tasks/${seed.checked.id}/check-ins`, { headers: { Authorization: `Bearer ${who.token}` } });
      return response.status;
    };
    assert.equal(await denied('supervisor-6'), 403);
    assert.equal(await denied('worker-6-01'), 403);
  });

  test('pins a queued task by clicking, warned when the point is outside the township of the address', async () => {
    const page = await open();
    await signIn(page, 'officer-3');
    await page.locator('#nav').waitFor();
    await page.goto(`${BASE}/#/tasks/${seed.queued.id}`);
    await page.getByRole('heading', { name: new RegExp(`任务 #${seed.queued.id}`) }).waitFor();
    await page.locator('.map[data-ready="true"]').waitFor();
    // The address beside the map, and the search over the grids.
    await page.locator('#pin-address').getByText(`${seed.townshipName}新街村三组18号`).waitFor();
    await page.locator('#grid-search').fill(seed.grid.properties.code);
    await page.locator('#grid-search-results button', { hasText: seed.grid.properties.name }).click();
    await page.waitForFunction((id) => document.querySelector(`.map path.grid.searched[data-grid-id="${id}"]`), seed.grid.properties.id);
    await page.waitForTimeout(700);
    await shot(page, 'map-pin-search');

    // A click in the neighbouring township: a warning, then cancel.
    await clickAt(page, seed.otherPoint);
    const warning = page.locator('#pin-panel .pin-warning');
    await warning.waitFor();
    assert.match(await warning.innerText(), new RegExp(`${seed.otherTownship}.*${seed.townshipName}`));
    await page.locator('.map path.marker.pick').waitFor();
    await shot(page, 'map-pin-warning');
    await page.getByRole('button', { name: '取消' }).click();
    await page.locator('#pin-panel').waitFor({ state: 'hidden' });

    // A click in the grid itself: no warning; confirm pins it.
    await clickAt(page, seed.point);
    await page.locator('#pin-where').getByText(seed.grid.properties.name).waitFor();
    assert.equal(await page.locator('#pin-panel .pin-warning').count(), 0);
    await page.getByRole('button', { name: '确认定位' }).click();
    await page.getByRole('status').getByText('已定位').waitFor();
    const after = await get(`tasks/${seed.queued.id}`, seed.officer.token);
    assert.ok(Math.abs(after.target.lat - seed.point.lat) < 0.002 && Math.abs(after.target.lon - seed.point.lon) < 0.002, 'pinned where clicked');
    assert.equal(after.grid_id, seed.grid.properties.id);
    assert.deepEqual(page.problems, []);
  });

  test('reassigns through the searchable list, eligible and nearest first', async () => {
    const page = await open();
    await signIn(page, 'officer-3');
    await page.locator('#nav').waitFor();
    const task = await get(`tasks/${seed.reassign.id}`, seed.officer.token);
    await page.goto(`${BASE}/#/tasks/${task.id}`);
    await page.getByRole('heading', { name: new RegExp(`任务 #${task.id}`) }).waitFor();
    const list = page.locator('#assign-list');
    await list.locator('li').first().waitFor();
    // At most 30 shown, not a 64-entry dropdown; the first eligible ones cover the task's grid.
    assert.ok((await list.locator('li[data-worker-id]').count()) <= 30);
    assert.equal(await page.locator('#assign-form select').count(), 0, 'no dropdown');
    const first = list.locator('li[data-worker-id]').first();
    assert.match(await first.innerText(), /负责任务所在网格|距任务约/);
    // Distances grow down the list of eligible workers.
    const metres = await list.locator('li.eligible .notes').evaluateAll((els) =>
      els.map((e) => {
        const text = e.textContent;
        if (text.includes('负责任务所在网格')) return 0;
        const m = text.match(/约 ([\d.]+) (米|公里)/);
        return m ? Number(m[1]) * (m[2] === '公里' ? 1000 : 1) : Infinity;
      }),
    );
    assert.ok(metres.length > 1);
    assert.deepEqual(metres, [...metres].sort((a, b) => a - b), 'nearest first');
    await shot(page, 'map-reassign');

    // Search by name, choose, reassign.
    const directory = (await get(`workers?township_id=${seed.townshipId}&limit=200`, seed.officer.token)).items;
    const target = directory.find((w) => w.id !== task.assignee_id && w.active && w.availability === 'active' && w.certified_for.includes('serve_documents') && w.open_tasks < w.capacity && !w.grids.some((g) => g.grid_id === task.grid_id));
    await page.locator('#assign-search').fill(target.display_name);
    await list.locator(`li[data-worker-id="${target.id}"] input`).check();
    await page.getByRole('button', { name: '改派', exact: true }).click();
    await page.getByRole('status').getByText(`已改派给 ${target.display_name}。`).waitFor();
    const after = await get(`tasks/${task.id}`, seed.officer.token);
    assert.equal(after.assignee_id, target.id);
    assert.deepEqual(page.problems, []);
  });

  test("the supervisor's township map keeps its load shading on the new map", async () => {
    const page = await open();
    await signIn(page, 'supervisor-6');
    await page.locator('.map[data-ready="true"]').waitFor();
    assert.equal(await page.locator('.map path.grid').count(), 64);
    assert.ok((await page.locator('.map path.grid.load-0').count()) < 64, 'some grids carry open work');
    await page.locator('.map .township-label', { hasText: seed.townshipName }).first().waitFor();
    await page.locator('.leaflet-control-zoom-in').waitFor();
    await page.locator(`.map path.grid[data-grid-id="${seed.grid.properties.id}"]`).click({ force: true });
    await page.locator('#grid-panel h3', { hasText: seed.grid.properties.name }).waitFor();
    assert.equal(await page.locator('.map path.grid.selected').count(), 1, 'the chosen grid is outlined');
    await page.mouse.move(0, 0);
    await shot(page, 'map-supervisor');
    assert.deepEqual(page.problems, []);
  });

  test('every map fits a phone', async () => {
    const page = await open('zh-CN', PHONE);
    await signIn(page, 'officer-3');
    await page.locator('#nav').waitFor();
    await fits(page, `#/tasks/${seed.checked.id}`, 'map-task-check-ins');
    await page.locator('.map[data-ready="true"]').waitFor();
    await fits(page, `#/tasks/${seed.reassign.id}`, 'map-reassign');
    const queued = await post(`cases/${seed.case.id}/tasks`, seed.officer.token, {
      kind: 'serve_documents',
      instructions: 'e2e 地图：手机上定位',
      target_address: `${seed.townshipName}新街村五组6号`,
    });
    await fits(page, `#/tasks/${queued.task.id}`, 'map-pin');
    const sup = await open('zh-CN', PHONE);
    await signIn(sup, 'supervisor-6');
    await sup.locator('.map[data-ready="true"]').waitFor();
    await sup.mouse.move(0, 0);
    await fits(sup, null, 'map-supervisor');
    assert.deepEqual(page.problems, []);
    assert.deepEqual(sup.problems, []);
  });
});
