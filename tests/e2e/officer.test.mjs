// The officer's actions end to end (issue 18 item 2): file a case (a wrong ID number is marked
// under its field), search cases, add a task by clicking the map, record an outcome, find a
// check-in false, claw back points, cancel a task, issue an access code, close the case, batch
// assignment (dry run, then commit), the month's statistics and the dishonest-debtor list with a
// CSV import. Seeds through the API as officer-1 and the grid workers of 姚王街道 (township 5),
// and only looks at the cases and tasks it made. Each screen is also checked at phone width.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { BASE, get, gridCentre, login, post, taskFor, workAndSubmit } from './api.mjs';
import { PHONE, fits, launch, open as openConsole, shot, signIn } from './console_browser.mjs';

let browser;
const seed = {};
const open = (locale, viewport) => openConsole(browser, locale, viewport);

/** A national ID number with the right check digit (GB 11643). */
function idNumber(prefix17) {
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...prefix17].reduce((a, c, i) => a + Number(c) * W[i], 0);
  return prefix17 + '10X98765432'[sum % 11];
}

/**
 * Whether an 18-character string also passes as a unified social credit code (GB 32100's
 * checksum). About one ID number in 31 does; the server then cannot tell a person from an
 * organisation without the kind, so the tests pick ID numbers that do not.
 */
function alsoACreditCode(code) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...code.slice(0, 17)].reduce((a, c, i) => a + alphabet.indexOf(c) * weights[i], 0);
  return alphabet[(31 - (sum % 31)) % 31] === code[17];
}

/** A person's ID number born on `yyyymmdd` that cannot be read as a credit code. */
function personId(yyyymmdd, from) {
  for (let n = Number(from); ; n = (n + 1) % 1000) {
    const id = idNumber(`321283${yyyymmdd}${String(n).padStart(3, '0')}`);
    if (!alsoACreditCode(id)) return id;
  }
}

/** The same number with a wrong check digit. */
function wrongCheck(id) {
  return id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
}


const unique = `${10000 + (Date.now() % 90000)}`;
const seq = unique.slice(-3);
const caseNumber = (n) => `(2026)苏1283执${unique}${n}号`;
/** The same, as the console shows it (full-width brackets). */
const shown = (number) => number.replace('(2026)', '（2026）');

async function signedIn(path, viewport) {
  const page = await open('zh-CN', viewport);
  page.on('dialog', (d) => d.accept());
  await signIn(page, 'officer-1');
  await page.locator('#nav a').first().waitFor();
  if (path) await page.goto(`${BASE}/#${path}`);
  return page;
}

before(async () => {
  browser = await launch();
  seed.officer = await login('officer-1');
  const townships = (await get('townships', seed.officer.token)).items;
  seed.township = townships.find((x) => x.name === '姚王街道');
  const collection = await get(`grids?township_id=${seed.township.id}`, seed.officer.token);
  const grid = (n) => collection.features.find((f) => f.properties.code.endsWith(`-0${n}`));
  seed.grids = { a: grid(41), b: grid(42), c: grid(43) };
  seed.worker41 = await login('worker-5-41');
  // A case with an approved task (for the outcome, the dispute and the clawback).
  seed.case = await post('cases', seed.officer.token, {
    case_number: caseNumber(1),
    amount_owed_fen: 5_000_000,
    filed_on: '2026-11-02',
    parties: [
      { role: 'applicant', kind: 'organisation', name: '泰兴农商银行姚王支行', id_number: '91350100M000100Y43' },
      { role: 'debtor', kind: 'person', name: `测试被执行人${unique}`, id_number: idNumber('32128319800101123'), phones: ['13812345678'], addresses: [{ text: '泰兴市姚王街道姚王路8号' }] },
    ],
  });
  const point = gridCentre(seed.grids.a);
  const task = await taskFor(seed.officer, seed.case.id, seed.worker41, point, 'e2e（干警操作）：送达执行通知书');
  await workAndSubmit(seed.worker41, task, point);
  const fresh = await get(`tasks/${task.id}`, seed.officer.token);
  await post(`tasks/${task.id}/review`, seed.officer.token, { decision: 'approve', rating: 5 }, fresh.etag);
  seed.approved = task;
});

after(async () => {
  await browser?.close();
});

describe('officer actions', () => {
  test('files a case: a wrong ID number is marked under its field, fixed, and the case opens', async () => {
    const page = await signedIn('/cases');
    await page.locator('#new-case').click();
    await page.locator('#case-number').fill(caseNumber(2));
    await page.locator('#case-amount').fill('12,000');
    await page.locator('#party-0-kind').selectOption('organisation');
    await page.locator('#party-0-name').fill('泰兴市某建材有限公司');
    await page.locator('#party-1-name').fill(`新案被执行人${unique}`);
    const good = idNumber('32128319750505111');
    await page.locator('#party-1-id').fill(wrongCheck(good));
    await page.locator('#party-1-phones').fill('13912345678');
    await page.locator('#party-1-addresses').fill('泰兴市姚王街道姚王路18号');
    await page.locator('#new-case-submit').click();
    const error = page.locator('[data-field="parties[1].id_number"] .field-error');
    await error.waitFor();
    assert.match(await error.textContent(), /证件号码不正确/);
    assert.equal(await page.locator('[data-field="case_number"] .field-error').isVisible(), false, 'only the wrong field is marked');
    await shot(page, 'officer-new-case');
    await page.locator('#party-1-id').fill(good);
    await page.locator('#new-case-submit').click();
    await page.locator('h1', { hasText: shown(caseNumber(2)) }).waitFor();
    assert.match(page.url(), /#\/cases\/\d+$/);
    const id = Number(page.url().split('/').pop());
    const stored = await get(`cases/${id}`, seed.officer.token);
    assert.equal(stored.amount_owed_fen, 1_200_000);
    assert.equal(stored.parties[1].id_number, good);
    seed.newCase = stored;
    // The refused first try is logged by the browser as a 400; nothing else went wrong.
    assert.deepEqual(page.problems.filter((p) => !/status of 400/.test(p)), []);
    await page.context().close();
    const phone = await signedIn(null, PHONE);
    await fits(phone, '#/cases/new', 'officer-new-case');
    await phone.context().close();
  });

  test('searches cases by number and by party name, with the debtor and the officer shown', async () => {
    const page = await signedIn('/cases');
    await page.locator('#case-search').fill(`${unique}1`);
    await page.locator('#case-search').press('Enter');
    await page.waitForURL(/q=/);
    const rows = page.locator('#cases tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    const cells = await rows.first().locator('td').allTextContents();
    assert.equal(cells[0], shown(caseNumber(1)));
    assert.equal(cells[1], `测试被执行人${unique}`);
    assert.equal(cells[4], seed.officer.name);
    await page.locator('#case-search').fill(`新案被执行人${unique}`);
    await page.locator('#case-search').press('Enter');
    await page.waitForURL(/%E6%96%B0%E6%A1%88|新案/);
    await page.locator('#cases tbody tr td', { hasText: shown(caseNumber(2)) }).waitFor();
    assert.equal(await rows.count(), 1);
    await shot(page, 'officer-case-search');
    await page.context().close();
    const phone = await signedIn(null, PHONE);
    await fits(phone, `#/cases?q=${unique}`, 'officer-case-search');
    await phone.context().close();
  });

  test('adds a task by clicking the map and sees where it was assigned', async () => {
    const page = await signedIn(`/cases/${seed.case.id}`);
    await page.locator('#new-task').waitFor();
    await page.locator('#task-kind').selectOption('urge_performance');
    await page.locator('#task-instructions').fill('e2e：督促被执行人履行（地图定位）');
    const gridId = seed.grids.b.properties.id;
    // Leaflet draws names over the grids; the click goes to the grid's centre whatever lies on top.
    await page.locator(`#task-map path[data-grid-id="${gridId}"]`).click({ force: true });
    assert.match(await page.locator('#task-point').textContent(), /已定位/);
    await page.locator('#new-task-submit').click();
    const explanation = page.locator('#assignment-explanation');
    await page.locator('#assignment-explanation, #new-task-message:not(:empty), .field-error:not([hidden])').first().waitFor();
    assert.equal(await page.locator('#new-task-message').textContent(), '', 'the task was created');
    await explanation.waitFor();
    assert.match(await explanation.textContent(), /已派发给|未能自动派发/);
    await shot(page, 'officer-case-new-task');
    const tasks = (await get(`tasks?case_id=${seed.case.id}&kind=urge_performance`, seed.officer.token)).items;
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0].grid_id, gridId, 'the clicked point lies in the clicked grid');
    assert.equal(tasks[0].case_number, caseNumber(1));
    seed.mapTask = tasks[0];
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test('records an outcome, finds a check-in false and claws back points on the task page', async () => {
    const page = await signedIn(`/tasks/${seed.approved.id}`);
    await page.locator('#outcome-form').waitFor();
    assert.match(await page.locator('dl.details').first().textContent(), new RegExp(shown(caseNumber(1))));
    await page.locator('#outcome-recovered').fill('12000');
    await page.locator('#outcome-note').fill('被执行人当场履行');
    await page.locator('#outcome-form-submit').click();
    await page.locator('#outcome', { hasText: '1.2万元' }).waitFor();
    assert.equal(await page.locator('#outcome-form').count(), 0, 'an outcome is recorded once');
    await page.locator('#dispute-reason').fill('调取监控，签到时网格员不在现场');
    await page.locator('#dispute-form-submit').click();
    await page.locator('.toast', { hasText: '已认定为虚假签到' }).waitFor();
    await page.locator('#clawback-form').waitFor();
    await page.locator('#clawback-reason').fill('申请人反映未收到文书，送达不实');
    await page.locator('#clawback-form-submit').click();
    await page.locator('.toast', { hasText: '积分已追回' }).waitFor();
    await shot(page, 'officer-task-actions');
    const outcome = await get(`tasks/${seed.approved.id}/outcome`, seed.officer.token);
    assert.equal(outcome.amount_recovered_fen, 1_200_000);
    const lines = (await get(`workers/${seed.worker41.id}/scores?limit=200`, seed.officer.token).catch(() => null))?.items || [];
    if (lines.length) {
      assert.ok(lines.some((l) => l.code === 'false_check_in'), 'the false check-in cost points');
      assert.ok(lines.some((l) => l.code === 'clawback'), 'the clawback line is there');
    }
    assert.deepEqual(page.problems, []);
    await page.context().close();
    const phone = await signedIn(null, PHONE);
    await fits(phone, `#/tasks/${seed.approved.id}`, 'officer-task-actions');
    await phone.context().close();
  });

  test('issues an access code shown once, cancels the open task and closes the case with its outcomes summed', async () => {
    const page = await signedIn(`/cases/${seed.case.id}`);
    await page.locator('#case-outcomes', { hasText: '1.2万元' }).waitFor();
    await page.locator('#issue-code').click();
    const code = (await page.locator('#access-code').textContent()).trim();
    assert.match(code, /^[A-Z0-9-]{10,}$/);
    assert.match(await page.locator('#code-slip').textContent(), new RegExp(shown(caseNumber(1))));
    await shot(page, 'officer-access-code');
    // The applicant opens the address on the slip on a phone and types the code in.
    assert.match(await page.locator('#code-slip').textContent(), new RegExp(`${BASE}/progress`));
    const applicant = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const progress = await applicant.newPage();
    await progress.goto(`${BASE}/progress`);
    await progress.getByLabel('查询码').fill('AAAA-BBBB-CCCC-DDDD');
    await progress.getByRole('button', { name: '查询' }).click();
    await progress.getByText('查询码无效或已作废').waitFor();
    await progress.getByLabel('查询码').fill(code.toLowerCase());
    await progress.getByRole('button', { name: '查询' }).click();
    await progress.getByRole('heading', { name: shown(caseNumber(1)) }).waitFor();
    await progress.getByText('协助执行事项').waitFor();
    const text = await progress.locator('main').innerText();
    assert.ok(!/[a-z_]{4,}/.test(text), `no raw codes on the applicant's page: ${text}`);
    assert.ok(!text.includes('网格员0') && !text.includes('网格员4'), "no worker's name on the applicant's page");
    const wide = await progress.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(wide, false, "the applicant's page fits a phone");
    await shot(progress, 'phone-applicant-progress');
    await applicant.close();
    await page.reload();
    await page.locator('#code-state').waitFor();
    assert.equal(await page.locator('#access-code').count(), 0, 'the code is shown only once');
    assert.match(await page.locator('#code-state').textContent(), /查询码有效/);
    // Closing needs every task settled: the map task is still open.
    await page.locator('#close-terminated').check();
    await page.locator('#close-submit').click();
    await page.locator('#close-message', { hasText: '未办结' }).waitFor();
    await page.goto(`${BASE}/#/tasks/${seed.mapTask.id}`);
    await page.locator('#cancel-note').fill('被执行人已主动履行，无需督促');
    await page.locator('#cancel-form-submit').click();
    await page.locator('.toast', { hasText: '任务已撤销' }).waitFor();
    await page.goto(`${BASE}/#/cases/${seed.case.id}`);
    await page.locator('#close-concluded').check();
    await page.locator('#close-submit').click();
    await page.locator('.page .meta', { hasText: '已结案' }).waitFor();
    const closed = await get(`cases/${seed.case.id}`, seed.officer.token);
    assert.equal(closed.status, 'concluded');
    await shot(page, 'officer-case-closed');
    assert.deepEqual(page.problems, []);
    await page.context().close();
    const phone = await signedIn(null, PHONE);
    await fits(phone, `#/cases/${seed.case.id}`, 'officer-case-actions');
    await phone.context().close();
  });

  test('batch assignment: a dry run shows the plan and its saving, then commits', async () => {
    const c = await post('cases', seed.officer.token, {
      case_number: caseNumber(3),
      amount_owed_fen: 800_000,
      filed_on: '2026-11-20',
      parties: [
        { role: 'applicant', kind: 'person', name: '批量申请人', id_number: idNumber('32128319700202123') },
        { role: 'debtor', kind: 'person', name: `批量被执行人${unique}`, id_number: idNumber('32128319900303123') },
      ],
    });
    for (const g of [seed.grids.b, seed.grids.c]) {
      await post(`cases/${c.id}/tasks`, seed.officer.token, { kind: 'serve_documents', instructions: 'e2e：批量派发', target: { ...gridCentre(g), crs: 'wgs84' } });
    }
    const page = await signedIn(`/cases/${c.id}`);
    await page.getByRole('link', { name: '优化本案任务的派发' }).click();
    await page.locator('#batch-scope', { hasText: shown(caseNumber(3)) }).waitFor();
    await page.locator('#batch-preview').click();
    await page.locator('#batch-summary').waitFor();
    assert.match(await page.locator('#batch-summary').textContent(), /节省 [\d.]+%/);
    assert.equal(await page.locator('#batch-result input[data-task-id]').count(), 2);
    await shot(page, 'officer-batch');
    await page.locator('#batch-commit').click();
    await page.locator('#batch-done').waitFor();
    const tasks = (await get(`tasks?case_id=${c.id}`, seed.officer.token)).items;
    assert.ok(tasks.every((x) => x.status === 'assigned' && x.assignee_id), 'both tasks are held by a worker');
    assert.deepEqual(page.problems, []);
    await page.context().close();
    const phone = await signedIn(null, PHONE);
    await fits(phone, `#/cases/${c.id}`, 'officer-case-new-task');
    await phone.locator('#task-map svg').waitFor();
    await fits(phone, null, 'officer-case-new-task');
    await fits(phone, `#/assign?case=${c.id}`, 'officer-batch');
    await phone.locator('#batch-preview').click();
    await phone.locator('#batch-summary').waitFor();
    await fits(phone, null, 'officer-batch');
    await phone.context().close();
  });

  test("the court's statistics for a month, readable, month selectable", async () => {
    const page = await signedIn('/statistics');
    await page.locator('dl.figures').first().waitFor();
    const text = await page.locator('#view').textContent();
    assert.match(text, /新收案件/);
    assert.match(text, /网格协助结案占比/);
    assert.doesNotMatch(text, /undefined|null|NaN/);
    await shot(page, 'officer-statistics');
    const options = await page.locator('#stats-month option').allTextContents();
    assert.match(options[1], /^\d{4}年\d{1,2}月$/);
    await page.locator('#stats-month').selectOption({ index: 1 });
    await page.waitForURL(/period=/);
    await page.locator('dl.figures').first().waitFor();
    assert.deepEqual(page.problems, []);
    await page.context().close();
    const phone = await signedIn(null, PHONE);
    await fits(phone, '#/statistics', 'officer-statistics');
    await phone.context().close();
  });

  test('the dishonest-debtor list: CSV import with its report, search, add and remove', async () => {
    const good = personId('19850101', seq);
    const other = personId('19860101', seq);
    const csv = [
      'name,id_number,case_number,listed_on,reason',
      `导入甲${unique},${good},(2025)苏1283执${unique}1号,2026-01-05,able_but_refused`,
      // 17 characters: neither an ID number nor a credit code (an ID number with a wrong check digit
      // can pass as a credit code).
      `导入乙${unique},${other.slice(0, 17)},(2025)苏1283执${unique}2号,2026-01-06,evaded_enforcement`,
      `导入甲${unique},${good},(2025)苏1283执${unique}1号,2026-01-05,able_but_refused`,
    ].join('\r\n');
    const page = await signedIn('/dishonest');
    await page.locator('#dishonest-file').setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.locator('#dishonest-import-submit').click();
    await page.locator('#import-summary').waitFor();
    assert.match(await page.locator('#import-summary').textContent(), /新增 1 条，重复 1 条，未导入 1 条/);
    const rows = await page.locator('#import-report tbody tr').allTextContents();
    assert.equal(rows.length, 3);
    assert.match(rows[1], /未导入/);
    assert.match(rows[1], /证件号码不正确/);
    await shot(page, 'officer-dishonest');
    // Search by the ID number; then remove the entry with a reason.
    await page.locator('#dishonest-id').fill(good);
    await page.locator('#dishonest-id').press('Enter');
    await page.waitForURL(/id_number=/);
    const found = page.locator('#view table.data tbody tr', { hasText: `导入甲${unique}` });
    await found.waitFor();
    await found.locator('button[data-remove]').click();
    await page.locator('.remove-form select').selectOption('performed');
    await page.locator('.remove-form button[type=submit]').click();
    await page.locator('.toast', { hasText: '已移出失信名单' }).waitFor();
    const removed = (await get(`dishonest-entries?id_number=${good}&status=removed`, seed.officer.token)).items;
    assert.equal(removed.length, 1);
    // Add one by hand.
    await page.locator('#dishonest-add').getByLabel('姓名或名称').fill(`手工纳入${unique}`);
    await page.locator('#dishonest-add').getByLabel('身份证号码或统一社会信用代码').fill(other);
    await page.locator('#dishonest-add').getByLabel('案号').fill(`(2025)苏1283执${unique}3号`);
    await page.locator('#dishonest-add-submit').click();
    await page.locator('.toast', { hasText: '已纳入失信名单' }).waitFor();
    const added = (await get(`dishonest-entries?id_number=${other}`, seed.officer.token)).items;
    assert.equal(added.length, 1);
    assert.deepEqual(page.problems, []);
    await page.context().close();
    const phone = await signedIn(null, PHONE);
    await fits(phone, '#/dishonest', 'officer-dishonest');
    await phone.context().close();
  });
});
