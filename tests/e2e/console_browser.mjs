// What every console end-to-end test does with the browser: launch Debian's Chromium, open the
// console as a new visitor (desktop or phone width), sign in as one of the demo's people, and
// save a screenshot of a screen. Page errors and unexpected console errors are collected on
// `page.problems`, so a test can assert that none happened.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { BASE, PASSWORDS } from './api.mjs';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.SCREENSHOT_DIR || '';
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A full-page screenshot of the current screen as SHOTS/<name>.png (nothing when SHOTS is unset). */
export async function shot(page, name) {
  if (!SHOTS) return;
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** A new browser context on the console's sign-in page. */
export async function open(browser, locale = 'zh-CN', viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, locale, timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|404|409|412|422)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.problems = problems;
  await page.goto(BASE);
  return page;
}

/** Sign in through the form as a demo user (the password is the demo's for the user's role). */
export async function signIn(page, username) {
  const role = username.split('-')[0];
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/^(密码|Password)$/).fill(PASSWORDS[role]);
  await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
}

/**
 * The console page at `hash` (null: the current one) fits a phone: nothing scrolls sideways and
 * the sign-out button is on screen. Saves its screenshot as `phone-<name>`.
 */
export async function fits(page, hash, name) {
  if (hash !== null) await page.goto(`${BASE}/${hash}`);
  await page.locator('#view h1').first().waitFor();
  await page.locator('#view .loading').waitFor({ state: 'detached' });
  await page.waitForLoadState('networkidle');
  const m = await page.evaluate(() => {
    const out = document.getElementById('logout');
    const r = out.getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      logout: out.hidden ? null : { left: r.left, right: r.right },
    };
  });
  assert.ok(m.scrollWidth <= m.innerWidth, `${name}: the page is ${m.scrollWidth}px wide on a ${m.innerWidth}px screen`);
  if (m.logout) assert.ok(m.logout.left >= 0 && m.logout.right <= m.innerWidth, `${name}: 退出 is off-screen (${m.logout.left}–${m.logout.right})`);
  await shot(page, `phone-${name}`);
}
