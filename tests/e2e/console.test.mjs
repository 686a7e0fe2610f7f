// The web console end to end, in headless Chromium (Debian's, driven by playwright-core) against
// the demo county served by the release binary (scripts/e2e.sh starts it and sets
// GRIDASSIST_URL). The scenario is seeded through the REST API as the demo's people would make
// it; the browser then does what an officer and a supervisor do, the tests assert on what the
// screen shows, and check through the API that the change really happened.
//
// Screenshots of the main screens are written to SCREENSHOT_DIR (docs/screenshots).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { BASE, get, login, post, put, submittedTask, taskFor, workAndSubmit } from './api.mjs';
import { SAMPLES } from './result_samples.mjs';
import { PHONE, fits, launch, open as openConsole, shot, signIn } from './console_browser.mjs';

// Sample points well inside demo grids of 黄桥镇 (township 1), WGS-84 (src/demo/mod.rs).
const GRID_28 = { lat: 32.1315, lon: 119.965 };
const GRID_10 = { lat: 32.1135, lon: 119.945 };
const NEAR_GRID_28 = { lat: 32.1355, lon: 119.965 }; // ~450 m north: far_from_target

let browser;
const seed = {};

const open = (locale, viewport) => openConsole(browser, locale, viewport);
/** A case number as the console shows it, with full-width brackets. */
const caseNo = (number) => number.replace(/^\((\d{4})\)/, '（$1）');

before(async () => {
  browser = await launch();
  const officer = await login('officer-1');
  const worker28 = await login('worker-1-28');
  const caseRow = (await get('cases?status=open&limit=1', officer.token)).items[0];
  seed.officer = officer;
  seed.case = caseRow;
  // A: submitted with a good check-in and a photo, to approve. C: checked in 450 m away, to return.
  // B: assigned in grid 10, to reassign by hand.
  seed.approve = await taskFor(officer, caseRow.id, worker28, GRID_28, 'e2e：送达执行通知书（审核通过）');
  await workAndSubmit(worker28, seed.approve, GRID_28);
  seed.reject = await taskFor(officer, caseRow.id, worker28, GRID_28, 'e2e：送达执行通知书（退回重办）');
  await workAndSubmit(worker28, seed.reject, NEAR_GRID_28);
  const created = await (
    await fetch(`${BASE}/api/v1/cases/${caseRow.id}/tasks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${officer.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'serve_documents', instructions: 'e2e：送达（待改派）', target: { ...GRID_10, crs: 'wgs84' } }),
    })
  ).json();
  seed.reassign = created.task;
  seed.worker28 = worker28;
});

after(async () => {
  await browser?.close();
});

describe('officer', () => {
  test('signs in, sees the result waiting for review, opens the case and approves the task', async () => {
    const page = await open();
    await assert.doesNotReject(page.getByRole('heading', { name: '登录' }).waitFor());
    await shot(page, 'login');
    await signIn(page, 'officer-1');

    // Home: the results awaiting review, the seeded one among them.
    await page.getByRole('heading', { name: '待审核的任务' }).waitFor();
    // Tasks are named by their kind and their case's 案号 (with full-width brackets), not by an id.
    await page.locator(`a[href="#/tasks/${seed.approve.id}"]`).waitFor();
    await page.locator('td', { hasText: caseNo(seed.case.case_number) }).first().waitFor();
    await shot(page, 'officer-review-queue');

    // Case list → the case → its tasks.
    await page.getByRole('navigation').getByRole('link', { name: '案件' }).click();
    await page.getByRole('link', { name: caseNo(seed.case.case_number) }).click();
    await page.getByRole('heading', { name: caseNo(seed.case.case_number) }).waitFor();
    const row = page.locator('tr', { has: page.locator(`a[href="#/tasks/${seed.approve.id}"]`) });
    await assert.doesNotReject(row.getByText('待审核').waitFor());
    await shot(page, 'officer-case');
    await row.locator(`a[href="#/tasks/${seed.approve.id}"]`).click();

    // The task: state, map with the target, check-in without flags, the photo as a thumbnail.
    await page.getByRole('heading', { name: new RegExp(`任务 #${seed.approve.id}`) }).waitFor();
    await page.locator('.map path.marker.target').waitFor();
    assert.equal(await page.locator('.map path.grid.highlight').count(), 1, 'the target grid is highlighted');
    await page.getByText('正常').first().waitFor();
    const thumb = page.locator('img.thumb-img').first();
    await thumb.waitFor();
    await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumb.elementHandle());
    await page.locator('ol.submissions').getByText('被执行人拒收，已留置送达并拍照。').waitFor();
    await shot(page, 'officer-task-review');

    // Approve with a rating of 4.
    await page.getByLabel('通过', { exact: true }).check();
    await page.getByLabel('质量评分').selectOption('4');
    await page.getByLabel('意见').fill('送达材料齐全。');
    await page.getByRole('button', { name: '提交审核' }).click();
    await page.getByRole('status').getByText('已通过。').waitFor();
    await page.locator('dl.details').getByText('已通过').waitFor();
    assert.equal(await page.locator('#review-form').count(), 0, 'nothing left to review');

    // The API agrees.
    const task = await get(`tasks/${seed.approve.id}`, seed.officer.token);
    assert.equal(task.status, 'approved');
    const subs = await get(`tasks/${seed.approve.id}/submissions`, seed.officer.token);
    assert.equal(subs.at(-1).review.decision, 'approved');
    assert.equal(subs.at(-1).review.rating, 4);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test('returns a result for rework with a reason, seeing the far check-in flagged', async () => {
    const page = await open();
    await signIn(page, 'officer-1');
    await page.getByRole('heading', { name: '待审核的任务' }).waitFor();
    await page.goto(`${BASE}/#/tasks/${seed.reject.id}`);
    await page.getByRole('heading', { name: new RegExp(`任务 #${seed.reject.id}`) }).waitFor();
    // The flag sits beside the decision, and again in the check-in table and the history.
    await page.locator('#check-in-summary').getByText('距目标过远').waitFor();

    await page.getByLabel('退回重办').check();
    await page.getByLabel('证据不足').check();
    await page.getByLabel('意见').fill('照片无法看清门牌，请补拍。');
    await page.getByRole('button', { name: '提交审核' }).click();
    await page.getByRole('status').getByText('已退回网格员重办。').waitFor();
    await page.locator('dl.details').getByText('已退回').waitFor();
    await page.locator('.review-returned').getByText('证据不足').waitFor();

    const subs = await get(`tasks/${seed.reject.id}/submissions`, seed.officer.token);
    assert.equal(subs.at(-1).review.decision, 'returned');
    assert.deepEqual(subs.at(-1).review.reasons, ['insufficient_evidence']);
    assert.equal((await get(`tasks/${seed.reject.id}`, seed.officer.token)).status, 'returned');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test('reassigns a task to another grid worker by hand', async () => {
    const task = seed.reassign;
    const directory = (await get(`workers?township_id=${task.township_id}&limit=200`, seed.officer.token)).items;
    const eligible = (w) =>
      w.id !== task.assignee_id && w.active && w.availability === 'active' && w.certified_for.includes('serve_documents') && w.open_tasks < w.capacity;
    const target = directory.find((w) => eligible(w) && w.grids.some((g) => g.code.endsWith('-011'))) || directory.find(eligible);
    assert.ok(target, 'an eligible worker to reassign to');

    const page = await open();
    await signIn(page, 'officer-1');
    await page.getByRole('heading', { name: '待审核的任务' }).waitFor();
    await page.goto(`${BASE}/#/tasks/${task.id}`);
    await page.getByRole('heading', { name: new RegExp(`任务 #${task.id}`) }).waitFor();
    await page.locator('#assign-search').fill(target.display_name);
    await page.locator(`#assign-list li[data-worker-id="${target.id}"] input`).check();
    await page.getByLabel('改派说明').fill('原网格员请假，改由相邻网格办理。');
    await shot(page, 'officer-task-reassign');
    await page.getByRole('button', { name: '改派', exact: true }).click();
    await page.getByRole('status').getByText(`已改派给 ${target.display_name}。`).waitFor();
    await page.locator('#assignee').getByText(target.display_name).waitFor();
    await page.locator('ol.timeline').getByText('原网格员请假，改由相邻网格办理。').waitFor();

    const after = await get(`tasks/${task.id}`, seed.officer.token);
    assert.equal(after.assignee_id, target.id);
    assert.equal(after.status, 'assigned');
    const events = await get(`tasks/${task.id}/events`, seed.officer.token);
    const last = events.at(-1);
    assert.equal(last.action, 'assign');
    assert.equal(last.actor_id, seed.officer.id);
    assert.equal(last.assignee_id, target.id);

    // The court's queue is one click away.
    await page.getByRole('navigation').getByRole('link', { name: '法院待分派' }).click();
    await page.getByRole('heading', { name: '法院待分派队列' }).waitFor();
    assert.equal(await page.locator('#toast .toast').count(), 0, "the last page's message does not follow to the next");
    await shot(page, 'officer-queue');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
});

describe('supervisor', () => {
  test('sees the township map, opens the leaderboard and one worker\'s breakdown', async () => {
    const page = await open();
    await signIn(page, 'supervisor-1');
    await page.getByRole('heading', { name: '网格地图' }).waitFor();
    assert.equal(await page.locator('.map path.grid').count(), 64, "the township's 64 grids");
    assert.ok((await page.locator('.map path.grid.load-0').count()) < 64, 'some grids carry open work');
    await page.locator('.map path.grid[data-grid-id]').first().waitFor();
    await shot(page, 'supervisor-map');

    await page.getByRole('navigation').getByRole('link', { name: '积分排行' }).click();
    await page.getByRole('heading', { name: '积分排行' }).waitFor();
    const row = page.locator('tr', { has: page.getByRole('link', { name: seed.worker28.name }) });
    await row.waitFor();
    // The approval just made earns points this month: more than zero on the board.
    const pointsText = await row.locator('td').nth(2).innerText();
    assert.ok(Number(pointsText) > 0, `points on the board: ${pointsText}`);
    await page.locator('#trend svg.chart').waitFor();
    await shot(page, 'supervisor-leaderboard');

    await row.getByRole('link', { name: seed.worker28.name }).click();
    await page.getByRole('heading', { name: `${seed.worker28.name} 的积分` }).waitFor();
    await page.getByRole('cell', { name: '任务通过' }).first().waitFor();
    await page.getByRole('cell', { name: '退回扣分' }).first().waitFor();
    const board = await get(`workers/${seed.worker28.id}/scores?period=${new Date().toISOString().slice(0, 7)}`, (await login('supervisor-1')).token);
    await page.locator('#worker-total').getByText(String(board.total_points / 100)).waitFor();
    await shot(page, 'supervisor-worker');

    await page.getByRole('navigation').getByRole('link', { name: '激励发放' }).click();
    await page.getByRole('heading', { name: '激励发放' }).waitFor();
    await shot(page, 'supervisor-incentives');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test('switches the interface to English, and the choice survives a reload', async () => {
    const page = await open();
    await signIn(page, 'supervisor-1');
    await page.getByRole('heading', { name: '网格地图' }).waitFor();
    await page.getByLabel('Language / 语言').selectOption('en');
    await page.getByRole('heading', { name: 'Grid map' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Leaderboard' }).click();
    await page.getByRole('heading', { name: 'Leaderboard' }).waitFor();
    await page.getByRole('columnheader', { name: 'Points' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await shot(page, 'supervisor-leaderboard-en');

    // Reload: still English (localStorage), still signed in (the tab's refresh token).
    await page.reload();
    await page.getByRole('heading', { name: 'Leaderboard' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gridassist.refresh')), null, 'signing out forgets the refresh token');
    assert.equal(await page.evaluate(() => localStorage.getItem('gridassist.refresh')), null, 'never in localStorage');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
});

describe('readable results', () => {
  // Township 3 (虹桥镇), officer-3, worker-3-06: nobody else's tests use them. The supervisor
  // certifies the worker for every kind (the demo certifies for five) and raises the capacity.
  const made = {};
  let results;
  before(async () => {
    const officer = await login('officer-3');
    const supervisor = await login('supervisor-3');
    const worker = await login('worker-3-06');
    const profile = await get(`workers/${worker.id}`, supervisor.token);
    const primary = profile.grids.find((g) => g.primary) || profile.grids[0];
    await put(`workers/${worker.id}`, supervisor.token, {
      capacity: 40,
      availability: 'active',
      primary_grid_id: primary.grid_id,
      other_grid_ids: profile.grids.filter((g) => g.grid_id !== primary.grid_id).map((g) => g.grid_id),
      certifications: SAMPLES.map((x) => ({ task_kind: x.kind, certified_on: '2026-01-05' })),
    });
    // The middle of the worker's grid (its ring's average: the demo's grids are near-square).
    const collection = await get(`grids?township_id=${profile.township_id}`, officer.token);
    const ring = collection.features.find((f) => f.properties.id === primary.grid_id).geometry.coordinates[0].slice(0, -1);
    const point = { lon: ring.reduce((a, p) => a + p[0], 0) / ring.length, lat: ring.reduce((a, p) => a + p[1], 0) / ring.length };
    const caseRow = (await get('cases?status=open&limit=3', officer.token)).items.at(-1);
    for (const sample of SAMPLES) {
      made[sample.kind] = await submittedTask(officer, caseRow.id, worker, point, sample.kind, sample.photos, sample.build);
    }
    // One result approved, with the money the court then recovered recorded on it.
    for (const sample of SAMPLES.filter((x) => x.outcome)) {
      const task = await get(`tasks/${made[sample.kind].id}`, officer.token);
      await post(`tasks/${task.id}/review`, officer.token, { decision: 'approve', rating: 5 }, task.etag);
      await post(`tasks/${task.id}/outcome`, officer.token, sample.outcome);
    }
    results = { officer, supervisor, worker, caseRow };
  });

  test('every kind of result reads as a Chinese form, with its history in Chinese', async () => {
    const page = await open();
    await signIn(page, 'officer-3');
    await page.getByRole('heading', { name: '待审核的任务' }).waitFor();
    for (const sample of SAMPLES) {
      const task = made[sample.kind];
      await page.goto(`${BASE}/#/tasks/${task.id}`);
      await page.getByRole('heading', { name: new RegExp(`任务 #${task.id} `) }).waitFor();
      const view = page.locator('.result-view').first();
      await view.waitFor();
      const text = await view.innerText();
      for (const expected of sample.expect) assert.ok(text.includes(expected), `${sample.kind}: «${expected}» missing from\n${text}`);
      // The evidence a result refers to is drawn as its thumbnail.
      await view.locator('.ev-ref img.ev-ref-img').first().waitFor();

      const timeline = await page.locator('ol.timeline').innerText();
      assert.match(timeline, /系统自动派发给 虹桥镇网格员06/, `${sample.kind}: the automatic assignment in words\n${timeline}`);
      assert.match(timeline, /现场签到，距目标 \d+ 米/);
      assert.match(timeline, /提交结果，等待审核/);
      if (sample.outcome) {
        assert.match(timeline, /审核通过，质量评分 5 星/);
        const outcome = await page.locator('#outcome').innerText();
        assert.match(outcome, /到位金额\s+1\.2万元/);
      }

      // Not one code, English key or field name on the page.
      const all = await page.locator('#view').innerText();
      assert.deepEqual(all.match(/[a-z_]{4,}/g), null, `${sample.kind}: English on the task page`);
      await shot(page, `officer-result-${sample.kind}`);
    }
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test('the served attempt is named by the number its attempt is listed under', async () => {
    const sample = SAMPLES.find((x) => x.kind === 'serve_documents');
    const page = await open();
    await signIn(page, 'officer-3');
    await page.getByRole('heading', { name: '待审核的任务' }).waitFor();
    await page.goto(`${BASE}/#/tasks/${made.serve_documents.id}`);
    const parts = page.locator('.result-view section.result-part');
    await parts.first().waitFor();
    assert.deepEqual(await parts.locator('h4').allInnerTexts(), ['第 1 次送达', `第 ${sample.served} 次送达 送达成功`]);
    const served = page.locator('section.result-part', { has: page.locator('.badge.served') });
    assert.equal(await served.count(), 1);
    assert.match(await served.locator('h4').innerText(), new RegExp(`^第 ${sample.served} 次送达`));
    await page.locator('.result-view').getByText(`第 ${sample.served} 次送达成功`).waitFor();
    // The check-in checks sit in the review form, beside the decision.
    await page.locator('#review-form #check-in-summary').getByText('正常').waitFor();
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test('the supervisor reads the same result form', async () => {
    const page = await open();
    await signIn(page, 'supervisor-3');
    await page.getByRole('heading', { name: '网格地图' }).waitFor();
    await page.goto(`${BASE}/#/tasks/${made.report_refusal.id}`);
    const view = page.locator('.result-view');
    await view.getByText('隐匿、转移财产、威胁、辱骂工作人员').waitFor();
    await view.getByText('照片 1').waitFor();
    const all = await page.locator('#view').innerText();
    assert.deepEqual(all.match(/[a-z_]{4,}/g), null, 'English on the task page');
    await shot(page, 'supervisor-result-report_refusal');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  describe('at phone width (390×844)', () => {
    test("the officer's pages", async () => {
      const queued = (await get('tasks?status=queued&limit=1', results.officer.token)).items[0];
      const page = await open('zh-CN', PHONE);
      await page.getByRole('heading', { name: '登录' }).waitFor();
      await fits(page, null, 'login');
      await signIn(page, 'officer-3');
      await page.getByRole('heading', { name: '待审核的任务' }).waitFor();
      await fits(page, null, 'officer-review-queue');
      await fits(page, '#/cases', 'officer-cases');
      await fits(page, `#/cases/${results.caseRow.id}`, 'officer-case');
      await fits(page, '#/queue', 'officer-queue');
      await fits(page, `#/tasks/${made.serve_documents.id}`, 'officer-task-review');
      await fits(page, `#/tasks/${made.urge_performance.id}`, 'officer-task-outcome');
      if (queued) await fits(page, `#/tasks/${queued.id}`, 'officer-task-queued');
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    test("the supervisor's pages", async () => {
      const page = await open('zh-CN', PHONE);
      await signIn(page, 'supervisor-3');
      await page.getByRole('heading', { name: '网格地图' }).waitFor();
      await fits(page, null, 'supervisor-map');
      // Choosing a grid shows its panel, below the map on a phone.
      await page.locator('.map path.grid[data-grid-id]').first().click();
      await page.locator('#grid-panel h3').waitFor();
      await fits(page, null, 'supervisor-map-grid');
      await fits(page, '#/leaderboard', 'supervisor-leaderboard');
      await fits(page, `#/workers/${results.worker.id}`, 'supervisor-worker');
      await fits(page, '#/appeals', 'supervisor-appeals');
      await fits(page, '#/incentives', 'supervisor-incentives');
      await fits(page, `#/tasks/${made.locate_assets.id}`, 'supervisor-task');
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });
  });
});
