// The field app's start: registers the service worker (offline shell), decides between sign-in
// and work, routes between screens (the route is the URL fragment, so the one cached page serves
// them all), keeps the banner that says whether the phone is offline and what is waiting, and
// runs the outbox whenever there is a chance to send: on start, when the connection returns,
// when the app comes back to the foreground, and every minute.

import { h, mount } from '../shared/dom.js';
import * as api from './api.js';
import { addStrings, t } from './i18n.js';
import * as store from './store.js';
import { events, outbox, push } from './sync.js';
import { errorText, render, screen } from './ui.js';
import { loginView } from './views/login.js';
import { meView } from './views/me.js';
import { outboxView } from './views/outbox.js';
import { resultView } from './views/result.js';
import { scoresView } from './views/scores.js';
import { taskView } from './views/task.js';
import { tasksView } from './views/tasks.js';

addStrings({
  zh: {
    'tab.tasks': '任务',
    'tab.outbox': '待发送',
    'tab.scores': '积分',
    'tab.me': '我的',
    'main.not_worker': '本应用供网格员使用。执行干警和网格负责人请在电脑上使用工作台。',
    'main.open_console': '打开工作台',
    'main.error': '出错了：{detail}',
  },
  en: {
    'tab.tasks': 'Tasks',
    'tab.outbox': 'Outbox',
    'tab.scores': 'Scores',
    'tab.me': 'Me',
    'main.not_worker': 'This app is for grid workers. Officers and supervisors use the console on a computer.',
    'main.open_console': 'Open the console',
    'main.error': 'Something went wrong: {detail}',
  },
});

const ROUTES = [
  [/^#?\/?$/, tasksView, 'tasks'],
  [/^#\/tasks$/, tasksView, 'tasks'],
  [/^#\/tasks\/(?<id>\d+)$/, taskView, 'tasks'],
  [/^#\/tasks\/(?<id>\d+)\/result$/, resultView, 'tasks'],
  [/^#\/outbox$/, outboxView, 'outbox'],
  [/^#\/scores$/, scoresView, 'scores'],
  [/^#\/me$/, meView, 'me'],
];

let current = null; // { leave, redraw } of the screen shown
let signedIn = false;

async function drawTabs(active) {
  const tabs = document.getElementById('tabs');
  const queued = await outbox();
  const failed = queued.filter((q) => q.state === 'failed').length;
  tabs.hidden = false;
  mount(
    tabs,
    ['tasks', 'outbox', 'scores', 'me'].map((tab) =>
      h(
        'a',
        { href: `#/${tab}`, class: ['tab', tab === active ? 'active' : ''], 'aria-current': tab === active ? 'page' : null, id: `tab-${tab}` },
        t(`tab.${tab}`),
        tab === 'outbox' && queued.length ? h('span', { class: ['count', failed ? 'bad' : ''] }, String(queued.length)) : null,
      ),
    ),
  );
}

async function drawBanner() {
  const banner = document.getElementById('banner');
  const queued = signedIn ? await outbox() : [];
  const failed = queued.filter((q) => q.state === 'failed').length;
  const parts = [];
  if (!navigator.onLine) parts.push(h('span', { class: 'offline', id: 'offline-banner' }, t('app.offline')));
  if (failed) parts.push(h('a', { href: '#/outbox', class: 'failed' }, t('app.failed', { n: failed })));
  else if (queued.length) parts.push(h('a', { href: '#/outbox', class: 'waiting', id: 'waiting-banner' }, t('app.waiting', { n: queued.length })));
  mount(banner, parts);
  banner.classList.toggle('shown', parts.length > 0);
}

async function route() {
  if (!signedIn) return;
  if (current?.leave) current.leave();
  current = null;
  const [path, queryString = ''] = location.hash.split('?');
  const found = ROUTES.map(([re, view, tab]) => [path.match(re), view, tab]).find(([m]) => m);
  const [match, view, tab] = found || [[], tasksView, 'tasks'];
  drawTabs(tab);
  try {
    const shown = await view(match.groups || {}, new URLSearchParams(queryString));
    current = typeof shown === 'function' ? { redraw: shown } : shown;
  } catch (error) {
    render(...screen(t('main.error', { detail: '' }), {}, h('p', { class: 'form-error' }, errorText(error))));
  }
  document.getElementById('view').focus({ preventScroll: true });
}

/** Redraw the screen shown after new data, unless it is a form being filled in. */
function refreshShown() {
  drawBanner();
  if (!signedIn) return;
  const [path] = location.hash.split('?');
  drawTabs(path.startsWith('#/outbox') ? 'outbox' : path.startsWith('#/scores') ? 'scores' : path.startsWith('#/me') ? 'me' : 'tasks');
  if (current?.redraw && !path.endsWith('/result')) current.redraw();
}

async function loadGrids() {
  // The outline of my grids, for the task map; refreshed at most daily.
  const cached = await store.get('kv', 'grids_at');
  if (cached && Date.now() - new Date(cached).getTime() < 24 * 3600 * 1000) return;
  try {
    await store.put('kv', await api.get('grids'), 'grids');
    await store.put('kv', new Date().toISOString(), 'grids_at');
  } catch {
    // Not essential: the map then shows the target alone.
  }
}

async function start() {
  const me = await api.user();
  if (me?.role && me.role !== 'worker') {
    document.getElementById('tabs').hidden = true;
    render(...screen(t('app.name'), {}, h('p', { class: 'notice' }, t('main.not_worker')), h('a', { class: 'button', href: '/' }, t('main.open_console'))));
    return;
  }
  signedIn = true;
  await route();
  drawBanner();
  if (navigator.onLine) {
    push().then(() => loadGrids());
  }
}

async function askPassword() {
  signedIn = false;
  document.getElementById('tabs').hidden = true;
  const session = await api.session();
  const waiting = (await outbox()).length;
  await loginView({ lost: session?.user || null, waiting, onSignedIn: start });
  drawBanner();
}

async function boot() {
  if ('serviceWorker' in navigator) {
    const hadController = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => {});
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (!hadController) return;
      const banner = document.getElementById('banner');
      banner.append(h('span', { class: 'update' }, t('app.update'), ' ', h('button', { type: 'button', class: 'small', onclick: () => location.reload() }, t('app.reload'))));
      banner.classList.add('shown');
    });
  }
  store.persist();
  api.onSessionLost(askPassword);
  window.addEventListener('hashchange', route);
  window.addEventListener('langchange', () => (signedIn ? route() : askPasswordOrLogin()));
  window.addEventListener('online', () => {
    drawBanner();
    if (signedIn) push();
  });
  window.addEventListener('offline', drawBanner);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && signedIn && navigator.onLine && push());
  setInterval(() => signedIn && navigator.onLine && push(), 60000);
  events.addEventListener('outbox', drawBanner);
  events.addEventListener('synced', refreshShown);
  await askPasswordOrLogin();
}

async function askPasswordOrLogin() {
  const state = await api.state();
  if (state === 'signed_in') return start();
  if (state === 'lost') return askPassword();
  signedIn = false;
  document.getElementById('tabs').hidden = true;
  return loginView({ onSignedIn: start });
}

boot();
