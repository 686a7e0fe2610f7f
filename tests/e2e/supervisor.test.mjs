// The township supervisor's console end to end, in headless Chromium, against the demo county:
// supervisor-4 runs 济川街道 (township 4) — the queue and the overdue list, a worker's grids,
// certifications, capacity and training, the scoring rules in Chinese, an appeal ruled with the
// original points as the default and a confirmation before voiding, incentives whose screen and
// CSV agree, and a leaderboard that lists idle workers and never says "超过 100%".
//
// Tasks are created through the API as officer-1 in township 4; the tests assert only on what
// they created (or, for the overdue list, on what the API itself lists as overdue there).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { get, login, post, workAndSubmit } from './api.mjs';
import { BASE } from './api.mjs';
import { PHONE, fits, launch, open as openConsole, shot, signIn } from './console_browser.mjs';

let browser;
const seed = {};

const open = (locale, viewport) => openConsole(browser, locale, viewport);

/** The centre of a grid's bounding box (the demo's grids are near-squares). */
function centre(feature) {
  const ring = feature.geometry.type === 'Polygon' ? feature.geometry.coordinates[0] : feature.geometry.coordinates[0][0];
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  return { lat: (Math.min(...lats) + Math.max(...lats)) / 2, lon: (Math.min(...lons) + Math.max(...lons)) / 2 };
}

function thisMonth() {
  const now = new Date(new Date().toLocaleString('en-US', { timeZone: 'Asia/Shanghai' }));
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

/** As supervisor-4, signed in, on `hash` with its heading drawn. */
async function supervisorAt(hash, viewport) {
  const page = await open('zh-CN', viewport);
  page.setDefaultTimeout(15000);
  await signIn(page, 'supervisor-4');
  await page.locator('#nav a').first().waitFor();
  await page.goto(`${BASE}/${hash}`);
  await page.locator('#view h1').waitFor();
  await page.locator('#view .loading').waitFor({ state: 'detached' });
  return page;
}

/** The screen at `hash` on a phone (390 × 844): nothing scrolls sideways; saves phone-<name>.png. */
async function onPhone(hash, name) {
  const page = await supervisorAt(hash, PHONE);
  await fits(page, null, name);
  assert.deepEqual(page.problems, []);
  await page.context().close();
}

/** The text a user reads in the main area (inputs' values excluded). */
const viewText = (page) => page.locator('#view').innerText();

before(async () => {
  browser = await launch();
  const officer = await login('officer-1');
  seed.officer = officer;
  seed.supervisor = await login('supervisor-4');
  const me = await get('me', seed.supervisor.token);
  seed.township = me.scope?.township?.id ?? me.user.township_id;
  const grids = await get(`grids?township_id=${seed.township}`, officer.token);
  const byCode = new Map(grids.features.map((f) => [f.properties.code, f]));
  // Grid 20 and grid 41 of 济川街道 (codes 321283001-020 / -041).
  seed.point = centre(byCode.get('321283001-020'));
  seed.point41 = centre(byCode.get('321283001-041'));
  const caseRow = (await get('cases?status=open&limit=1', officer.token)).items[0];
  seed.case = caseRow;

  // Queue 1: a settlement nobody in 济川街道 is certified for → the township's queue.
  const settle = await post(`cases/${caseRow.id}/tasks`, officer.token, {
    kind: 'facilitate_settlement',
    instructions: 'e2e（负责人）：促成和解，无人具备资质',
    target: { ...seed.point, crs: 'wgs84' },
  });
  seed.nobody = settle.task;
  // Queue 2: declined by three grid workers in turn → the township's queue.
  let task = (
    await post(`cases/${caseRow.id}/tasks`, officer.token, {
      kind: 'serve_documents',
      instructions: 'e2e（负责人）：送达，多次退回派单',
      target: { ...seed.point41, crs: 'wgs84' },
    })
  ).task;
  for (let k = 0; k < 5 && task.status === 'assigned'; k++) {
    const holder = (await get(`workers/${task.assignee_id}`, seed.supervisor.token)).username;
    const worker = await login(holder);
    task = (await post(`tasks/${task.id}/decline`, worker.token, { reason: 'not_in_my_area', note: '测试：不在本网格' })).task;
  }
  seed.declined = task;

  // A training course (the demo ships none; an administrator adds them).
  const admin = await login('admin');
  seed.module = await post('training/modules', admin.token, {
    title: `e2e 查找被执行人实务 ${Date.now() % 100000}`,
    task_kinds: ['locate_person'],
    reasons: ['wrong_person'],
    validity_days: 365,
    pass_score: 60,
  });

  // An approved task of worker-4-05, whose approval line the worker appeals.
  const w5 = await login('worker-4-05');
  seed.w5 = w5;
  const mine = await post(`cases/${caseRow.id}/tasks`, officer.token, {
    kind: 'serve_documents',
    instructions: 'e2e（负责人）：送达，审核通过后申诉',
    target: { ...seed.point, crs: 'wgs84' },
  });
  let t5 = mine.task;
  if (t5.assignee_id !== w5.id) t5 = await post(`tasks/${t5.id}/assign`, officer.token, { worker_id: w5.id, note: '测试：指定网格员办理' }, t5.etag);
  await workAndSubmit(w5, t5, seed.point);
  await post(`tasks/${t5.id}/review`, officer.token, { decision: 'approve', rating: 3 });
  seed.appealTask = t5;
  const lines = await get(`workers/${w5.id}/scores?period=${thisMonth()}`, w5.token);
  const line = lines.lines.find((l) => l.task_id === t5.id && l.code === 'approval');
  seed.line = line;
  seed.appeal = await post('score-appeals', w5.token, { line_id: line.id, reason: 'e2e：评分偏低，送达过程完整' });
});

after(async () => {
  await browser?.close();
});

describe('supervisor', () => {
  test('the queue shows the tasks that came to the township, with the reason in Chinese, and opens them', async () => {
    assert.equal(seed.nobody.status, 'queued', JSON.stringify(seed.nobody));
    assert.equal(seed.declined.status, 'queued', JSON.stringify(seed.declined));
    const page = await supervisorAt('#/township-queue');
    const rowOf = (id) => page.locator('tr.queue-row').filter({ has: page.locator(`a[href="#/tasks/${id}"]`) });
    await rowOf(seed.nobody.id).getByText('无符合条件的网格员').waitFor();
    await rowOf(seed.declined.id).getByText('多次退回派单').waitFor();
    assert.match(await rowOf(seed.declined.id).innerText(), /\b3\b/);
    assert.doesNotMatch(await viewText(page), /nobody_eligible|too_many_declines/);
    await shot(page, 'supervisor-queue');
    // The task's page, where the reassign form assigns it.
    await rowOf(seed.nobody.id).getByRole('link', { name: '分派' }).click();
    await page.waitForURL(new RegExp(`#/tasks/${seed.nobody.id}$`));
    await page.locator('#view h1').waitFor();
    await onPhone('#/township-queue', 'supervisor-queue');
    assert.deepEqual(page.problems, []);
  });

  test('the overdue list shows every overdue task of the township, each linking to its page', async () => {
    const overdue = (await get('tasks?overdue=true&limit=200', seed.supervisor.token)).items;
    const page = await supervisorAt('#/overdue');
    if (overdue.length) {
      for (const task of overdue) await page.locator(`tr.overdue-row a[href="#/tasks/${task.id}"]`).first().waitFor();
      await page.locator('tr.overdue-row .badge.overdue').first().waitFor();
    } else {
      await page.getByText('没有逾期任务。').waitFor();
    }
    assert.equal(await page.locator('tr.overdue-row').count(), overdue.length);
    await shot(page, 'supervisor-overdue');
    await onPhone('#/overdue', 'supervisor-overdue');
    assert.deepEqual(page.problems, []);
  });

  test("edits a worker's capacity and certifications, with a field error in place, and records a training completion", async () => {
    const w = await login('worker-4-10');
    const page = await supervisorAt(`#/workers/${w.id}`);
    await page.locator('#wk-capacity').waitFor();
    // A bad value: the error sits next to the field, in Chinese.
    await page.locator('#wk-capacity').fill('500');
    await page.locator('#wk-save').click();
    await page.locator('#capacity-error').getByText('在办上限须为 0–200 之间的整数。').waitFor();
    // Fixed: capacity 7, certified to trace people from 2026-11-02 until 2027-11-01.
    await page.locator('#wk-capacity').fill('7');
    await page.locator('#cert-locate_person').check();
    await page.locator('#cert-locate_person-from').fill('2026-11-02');
    await page.locator('#cert-locate_person-until').fill('2027-11-01');
    await page.locator('#wk-save').click();
    await page.getByText('已保存。').waitFor();
    const profile = await get(`workers/${w.id}`, seed.supervisor.token);
    assert.equal(profile.capacity, 7);
    const cert = profile.certifications.find((c) => c.task_kind === 'locate_person');
    assert.deepEqual(cert, { task_kind: 'locate_person', certified_on: '2026-11-02', expires_on: '2027-11-01' });
    assert.ok(profile.certifications.some((c) => c.task_kind === 'serve_documents'), 'the other certifications stay');
    assert.equal(profile.grids.find((g) => g.primary)?.code, '321283001-010', 'the grids stay');
    // Leave without an end date: the error is on the date.
    await page.locator('#wk-availability').selectOption('on_leave');
    await page.locator('#wk-save').click();
    await page.locator('#on_leave_until-error').getByText(/休假须填写结束日期/).waitFor();
    await page.locator('#wk-availability').selectOption('active');

    // A training completion.
    const m = seed.module;
    await page.locator('#tr-module').selectOption(String(m.id));
    await page.locator('#tr-score').fill(String(Math.max(m.pass_score, 90)));
    await page.locator('#tr-submit').click();
    await page.getByText('已登记，考核通过，已取得相应资质。').waitFor();
    const training = await get(`workers/${w.id}/training`, seed.supervisor.token);
    assert.ok(training.completions.some((c) => c.module_id === m.id && c.passed), JSON.stringify(training));
    await page.locator('#completions').getByText(m.title).first().waitFor();
    await shot(page, 'supervisor-worker-profile');
    await onPhone(`#/workers/${w.id}`, 'supervisor-worker-profile');
    // The two refused saves answered 400 on purpose; nothing else went wrong.
    assert.deepEqual(page.problems.filter((p) => !/status of 400/.test(p)), []);
  });

  test('the scoring rules read in Chinese, with their points, and no raw codes', async () => {
    const page = await supervisorAt('#/scheme');
    await page.getByText('任务通过的基础积分').waitFor();
    const scheme = (await get('scoring/scheme', seed.supervisor.token)).scheme;
    const text = await viewText(page);
    assert.match(text, new RegExp(`文书送达\\s*${scheme.points_per_kind.serve_documents / 100} 分`));
    assert.match(text, /现场签到被认定虚假/);
    assert.doesNotMatch(text, /[a-z_]{4,}/, `raw codes in: ${text.match(/[a-z_]{4,}/g)}`);
    assert.doesNotMatch(text, /[{}]/);
    await shot(page, 'supervisor-scheme');
    await onPhone('#/scheme', 'supervisor-scheme');
    assert.deepEqual(page.problems, []);
  });

  test("an appeal shows the line and its task, defaults to the original points, and voiding asks first", async () => {
    const page = await supervisorAt('#/appeals');
    const box = page.locator(`#appeal-${seed.appeal.id}`);
    await box.waitFor();
    const original = seed.line.points / 100;
    assert.equal(await box.locator('.original-points').innerText(), original.toLocaleString('zh-CN', { maximumFractionDigits: 2 }));
    await box.getByText('任务通过').first().waitFor();
    await box.locator(`a[href="#/tasks/${seed.appealTask.id}"]`).waitFor();
    const corrected = box.locator(`#corrected-${seed.appeal.id}`);
    assert.equal(Number(await corrected.inputValue()), original);
    await shot(page, 'supervisor-appeal');
    await onPhone('#/appeals', 'supervisor-appeal');

    // Voiding (0) asks; declining the question changes nothing.
    await box.locator(`#ruling-${seed.appeal.id}`).fill('e2e：复核后作废该条');
    await corrected.fill('0');
    let asked = null;
    page.once('dialog', (d) => {
      asked = d.message();
      d.dismiss();
    });
    await box.getByRole('button', { name: '支持' }).click();
    await page.waitForTimeout(300);
    assert.match(asked || '', /作废/);
    let pending = await get('score-appeals?status=pending', seed.supervisor.token);
    assert.ok(pending.some((a) => a.id === seed.appeal.id), 'still pending after the dismissed question');
    // Confirmed: ruled with 0.
    page.once('dialog', (d) => d.accept());
    await box.getByRole('button', { name: '支持' }).click();
    await page.getByText('已裁决。').waitFor();
    const accepted = await get('score-appeals?status=accepted', seed.supervisor.token);
    assert.ok(accepted.some((a) => a.id === seed.appeal.id));
    const lines = await get(`workers/${seed.w5.id}/scores?period=${thisMonth()}`, seed.w5.token);
    const correction = lines.lines.find((l) => l.code === 'appeal_correction' && l.task_id === seed.appealTask.id);
    assert.equal(correction?.points, -seed.line.points, 'voided: the correction takes the original back');
    assert.deepEqual(page.problems, []);
  });

  test('incentives: the screen and the CSV carry the same labels and numbers, the township and period, and say provisional', async () => {
    const period = thisMonth();
    const page = await supervisorAt(`#/incentives?period=${period}`);
    await page.locator('#payout-status').getByText('统计中（暂定）').waitFor();
    await page.locator('#payout-heading').getByText('济川街道').waitFor();
    const [y, m] = period.split('-');
    const periodZh = `${y}年${Number(m)}月`;
    assert.match(await page.locator('#payout-heading').innerText(), new RegExp(periodZh));
    const heads = await page.locator('#view table thead th').allInnerTexts();
    const screenRows = await page.locator('#view table tbody tr').evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.innerText.trim())),
    );
    const download = page.waitForEvent('download');
    await page.locator('#export-csv').click();
    const file = await download;
    const name = file.suggestedFilename();
    assert.equal(name, `激励发放-济川街道-${periodZh}（暂定）.csv`);
    const chunks = [];
    for await (const c of await file.createReadStream()) chunks.push(c);
    const csv = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
    const lines = csv.split('\r\n');
    assert.equal(lines[0], '乡镇（街道）,济川街道');
    assert.equal(lines[1], `周期,${periodZh}`);
    assert.match(lines[2], /^状态,统计中（暂定）/);
    const header = lines[4].split(',');
    // Same labels: the screen's columns after the worker are the file's after 账号 and 姓名.
    assert.deepEqual(
      header.slice(2).map((hd) => hd.replace('(元)', '')),
      heads.slice(1),
    );
    // Same numbers, row by row (the screen's ¥1,234.50 is the file's 1234.50), the total included.
    const fileRows = lines.slice(5).filter(Boolean).map((l) => l.split(','));
    assert.equal(fileRows.length, screenRows.length, `${csv}\n${JSON.stringify(screenRows)}`);
    const plain = (s) => s.replace(/[¥,]/g, '');
    for (let i = 0; i < fileRows.length; i++) {
      assert.deepEqual(fileRows[i].slice(2), screenRows[i].slice(1).map(plain), `row ${i}`);
      if (i < fileRows.length - 1) assert.equal(fileRows[i][1], screenRows[i][0]);
    }
    assert.equal(fileRows.at(-1)[0], '合计');
    assert.equal(screenRows.at(-1)[0], '合计');
    await shot(page, 'supervisor-payouts');
    await onPhone(`#/incentives?period=${period}`, 'supervisor-payouts');
    assert.deepEqual(page.problems, []);
  });

  test('the leaderboard lists workers with no activity, with zero, and never a percentile over 100%', async () => {
    const period = thisMonth();
    const board = await get(`scores?period=${period}`, seed.supervisor.token);
    const ranked = new Set(board.standings.map((s) => s.worker_id));
    const everyone = (await get('workers?limit=200', seed.supervisor.token)).items.filter((w) => w.active);
    const idle = everyone.filter((w) => !ranked.has(w.id)).map((w) => ({ id: w.id, name: w.display_name }))[0];
    assert.ok(idle, 'some worker of 济川街道 has done nothing this month');
    const page = await supervisorAt(`#/leaderboard?period=${period}`);
    const row = page.locator('tr.idle-row').filter({ hasText: idle.name });
    await row.waitFor();
    assert.match(await row.innerText(), /本期无任务/);
    assert.match(await row.innerText(), /\b0\b/);
    assert.equal(await page.locator('tr.idle-row').count() + board.standings.length, everyone.length, 'every worker of the township is listed');
    await shot(page, 'supervisor-board-idle');
    await onPhone(`#/leaderboard?period=${period}`, 'supervisor-board-idle');

    // The top worker's page: "排名最前", never "超过 100%".
    const top = board.standings.find((s) => s.percentile >= 100) || board.standings[0];
    if (top) {
      await page.goto(`${BASE}/#/workers/${top.worker_id}?period=${period}`);
      await page.locator('#worker-standing').waitFor();
      const text = await page.locator('#worker-standing').innerText();
      assert.doesNotMatch(text, /超过\s*100%|1\d\d%/);
      if (top.percentile >= 100) assert.match(text, /排名最前/);
    }
    // An idle worker's page says they are not ranked.
    await page.goto(`${BASE}/#/workers/${idle.id}?period=${period}`);
    await page.locator('#worker-standing').getByText('未参与排名').waitFor();
    assert.deepEqual(page.problems, []);
  });

  test('the supervisor has the new screens in the navigation', async () => {
    const page = await supervisorAt('#/leaderboard');
    const nav = await page.locator('#nav a').allInnerTexts();
    for (const item of ['待分派', '逾期任务', '积分规则']) assert.ok(nav.includes(item), nav.join(' '));
  });
});
