// The console's entry point: restore or start a sign-in, build the navigation for the user's
// role, and hand the page to the router.

import * as api from './api.js';
import { h, mount } from '../shared/dom.js';
import { label, lang, setLang, t, translateStatic } from './i18n.js';
import { current, navigate, otherwise, render, route, start } from './router.js';
import { loginView } from './views/login.js';
import { caseView, casesView, queueView, reviewView } from './views/officer.js';
import { taskView } from './views/task.js';
import { newCaseView } from './views/case_new.js';
import { batchView } from './views/batch.js';
import { statisticsView } from './views/statistics.js';
import { dishonestView } from './views/dishonest.js';
import { appealsView, incentivesView, leaderboardView, mapView } from './views/supervisor.js';
import { workerView } from './views/worker.js';
import { overdueView, townshipQueueView } from './views/township.js';
import { schemeView } from './views/scheme.js';
import { page } from './views/common.js';

const NAV = {
  officer: [
    ['/review', 'nav.review'],
    ['/cases', 'nav.cases'],
    ['/queue', 'nav.queue'],
    ['/assign', 'nav.assign'],
    ['/statistics', 'nav.statistics'],
    ['/dishonest', 'nav.dishonest'],
  ],
  supervisor: [
    ['/map', 'nav.map'],
    ['/township-queue', 'nav.township_queue'],
    ['/overdue', 'nav.overdue'],
    ['/leaderboard', 'nav.leaderboard'],
    ['/appeals', 'nav.appeals'],
    ['/incentives', 'nav.incentives'],
    ['/scheme', 'nav.scheme'],
  ],
};

function home(role) {
  return NAV[role]?.[0]?.[0] || '/';
}

function drawChrome() {
  translateStatic();
  const user = api.user();
  const nav = document.getElementById('nav');
  const { path } = current();
  mount(
    nav,
    (NAV[user?.role] || []).map(([href, key]) =>
      h('a', { href: `#${href}`, class: path.startsWith(href) ? 'active' : null }, t(key)),
    ),
  );
  mount(document.getElementById('who'), user ? `${user.display_name} · ${label('role', user.role)}` : '');
  document.getElementById('logout').hidden = !user;
  document.getElementById('lang').value = lang();
}

function routes() {
  const role = () => api.user()?.role;
  const only = (allowed, view) => (params, query) => {
    if (!role()) return undefined; // signing in: the login form stays
    if (!allowed.includes(role())) return navigate(home(role()));
    return view(params, query);
  };
  route('/review', only(['officer'], reviewView));
  route('/cases', only(['officer'], casesView));
  route('/cases/new', only(['officer'], newCaseView));
  route('/cases/:id', only(['officer'], caseView));
  route('/queue', only(['officer'], queueView));
  route('/assign', only(['officer'], batchView));
  route('/statistics', only(['officer'], statisticsView));
  route('/dishonest', only(['officer'], dishonestView));
  route('/tasks/:id', only(['officer', 'supervisor'], taskView));
  route('/map', only(['supervisor'], mapView));
  route('/leaderboard', only(['supervisor'], leaderboardView));
  route('/workers/:id', only(['supervisor'], workerView));
  route('/appeals', only(['supervisor'], appealsView));
  route('/incentives', only(['supervisor'], incentivesView));
  route('/township-queue', only(['supervisor'], townshipQueueView));
  route('/overdue', only(['supervisor'], overdueView));
  route('/scheme', only(['supervisor'], schemeView));
  otherwise(() => {
    const r = role();
    if (!r) return undefined;
    if (NAV[r]) return navigate(home(r));
    // Grid workers work from the field app on their phones.
    const toApp = r === 'worker' ? h('p', {}, h('a', { href: '/app/', id: 'open-field-app' }, t('app.open_field_app'))) : null;
    mount(document.getElementById('view'), page(t('app.title'), h('p', {}, t('app.not_for_role')), toApp));
    return undefined;
  });
}

/** A message belongs to the page it was shown on: leaving the page (or the sign-in) clears it. */
function clearToasts() {
  document.getElementById('toast')?.replaceChildren();
}

/** Show the login form until the user has signed in, then the page they asked for. */
async function signIn(notice) {
  clearToasts();
  drawChrome();
  await loginView(notice);
  drawChrome();
  render();
}

async function main() {
  routes();
  document.getElementById('lang').addEventListener('change', (e) => setLang(e.target.value));
  document.getElementById('logout').addEventListener('click', async () => {
    await api.logout();
    history.replaceState(null, '', '#/');
    signIn();
  });
  window.addEventListener('langchange', () => {
    drawChrome();
    if (api.user()) render();
    else loginView();
  });
  window.addEventListener('hashchange', drawChrome);
  window.addEventListener('hashchange', clearToasts);
  api.setSessionEndHandler(() => signIn(t('auth.expired')));
  translateStatic();
  if (!(await api.resume())) {
    drawChrome();
    await loginView();
  }
  drawChrome();
  start();
}

main();
