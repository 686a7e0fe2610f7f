// The township supervisor's screens: the township map shaded by open workload and overdue
// tasks, the period leaderboard with scores over time, appeals to rule on, and the incentive
// payouts with their CSV export for the finance office.

import * as api from '../api.js';
import { h, mount, toast } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { OPEN } from '../task_states.js';
import { dateTime, monthsUpTo, overdueBadge, percent, points, statusBadge, thisMonth, workerName, yuan } from '../format.js';
import { lineChart } from '../chart.js';
import { gridMap } from '../map.js';
import { card, errorText, grids, link, page, periodSelect, show, table, workerDirectory } from './common.js';


function loadClass(open) {
  if (open === 0) return 'load-0';
  if (open === 1) return 'load-1';
  if (open === 2) return 'load-2';
  if (open <= 4) return 'load-3';
  if (open <= 7) return 'load-4';
  return 'load-5';
}

export function mapView() {
  return show(async () => {
    const [collection, tasks, workers] = await Promise.all([grids(null), api.all('tasks'), workerDirectory(null)]);
    const open = tasks.filter((x) => OPEN.includes(x.status));
    const byGrid = new Map();
    for (const x of open) {
      const entry = byGrid.get(x.grid_id) || { open: 0, overdue: 0, tasks: [] };
      entry.open += 1;
      if (x.overdue) entry.overdue += 1;
      entry.tasks.push(x);
      byGrid.set(x.grid_id, entry);
    }
    const stats = (f) => byGrid.get(f.properties.id) || { open: 0, overdue: 0, tasks: [] };
    const side = h('div', { class: 'grid-panel', id: 'grid-panel' }, h('p', { class: 'muted' }, t('map.select_grid')));
    const showGrid = (f) => {
      const st = stats(f);
      const coverers = [...workers.values()].filter((w) => w.grids.some((g) => g.grid_id === f.properties.id));
      mount(
        side,
        h('h3', {}, t('map.grid_tasks', { name: f.properties.name, open: st.open, overdue: st.overdue })),
        h('p', {}, `${t('map.workers')}：`, coverers.map((w, i) => [i ? '，' : '', link(`#/workers/${w.id}`, w.display_name)])),
        table(
          [
            { head: t('tasks.id'), cell: (x) => link(`#/tasks/${x.id}`, `#${x.id}`) },
            { head: t('tasks.kind'), cell: (x) => label('kind', x.kind) },
            { head: t('tasks.status'), cell: (x) => [statusBadge(x.status), ' ', overdueBadge(x)] },
            { head: t('tasks.assignee'), cell: (x) => workerName(workers, x.assignee_id) },
          ],
          st.tasks,
          { empty: t('tasks.none') },
        ),
      );
      // One column (phones): the panel is below the map; show it.
      if (side.getBoundingClientRect().top > window.innerHeight) side.scrollIntoView({ block: 'start', behavior: 'smooth' });
    };
    const map = gridMap(collection, {
      ariaLabel: t('map.title'),
      classOf: (f) => [loadClass(stats(f).open), stats(f).overdue ? 'has-overdue' : null].filter(Boolean),
      titleOf: (f) => t('map.grid_tasks', { name: f.properties.name, open: stats(f).open, overdue: stats(f).overdue }),
      labelOf: (f) => (stats(f).open ? String(stats(f).open) : null),
      onGrid: showGrid,
    });
    const legend = h(
      'ul',
      { class: 'legend map-legend' },
      h('li', {}, t('map.legend_open'), '：'),
      [
        ['load-0', '0'],
        ['load-1', '1'],
        ['load-2', '2'],
        ['load-3', '3–4'],
        ['load-4', '5–7'],
        ['load-5', '8+'],
      ].map(([cls, text]) => h('li', {}, h('span', { class: ['swatch', cls] }), text)),
      h('li', {}, h('span', { class: ['swatch', 'has-overdue'] }), t('map.legend_overdue')),
    );
    return page(
      t('map.title'),
      h('div', { class: 'columns wide-left' }, h('div', { class: 'col map-col' }, card(null, map, legend)), h('div', { class: 'col' }, card(null, side))),
    );
  });
}

function boardTable(board, workers) {
  const payouts = new Map((board.payouts?.per_worker || []).map((p) => [p.worker_id, p]));
  return table(
    [
      { head: t('board.rank'), cell: (x) => x.rank, cls: 'num' },
      { head: t('board.worker'), cell: (x) => link(`#/workers/${x.worker_id}?period=${board.period}`, workerName(workers, x.worker_id)) },
      { head: t('board.points'), cell: (x) => points(x.total_points), cls: 'num' },
      { head: t('board.approved'), cell: (x) => x.approved, cls: 'num' },
      { head: t('board.on_time'), cell: (x) => percent(x.on_time_rate), cls: 'num' },
      { head: t('board.approval'), cell: (x) => percent(x.approval_rate), cls: 'num' },
      { head: t('board.tier'), cell: (x) => h('span', { class: ['badge', `tier-${x.tier}`] }, x.tier) },
      { head: t('board.payout'), cell: (x) => yuan(payouts.get(x.worker_id)?.total_fen || 0), cls: 'num' },
    ],
    board.standings,
    { empty: t('board.empty') },
  );
}

async function trend(month, workers) {
  const months = monthsUpTo(month, 6);
  const boards = await Promise.all(months.map((m) => api.get(`scores?period=${m}`).catch(() => null)));
  const last = boards[boards.length - 1];
  const top = (last?.standings || [])
    .slice()
    .sort((a, b) => b.total_points - a.total_points)
    .slice(0, 5)
    .map((x) => x.worker_id);
  const series = top.map((id) => ({
    name: workerName(workers, id),
    values: boards.map((b) => {
      const st = b?.standings.find((x) => x.worker_id === id);
      return st ? st.total_points / 100 : null;
    }),
  }));
  return lineChart({ labels: months.map((m) => m.slice(2)), series, format: (v) => String(Math.round(v)), ariaLabel: t('board.trend') });
}

export function leaderboardView(_params, query) {
  const period = query.get('period') || thisMonth();
  return show(async () => {
    const [board, workers] = await Promise.all([api.get(`scores?period=${encodeURIComponent(period)}`), workerDirectory(null)]);
    const chartMonth = /^\d{4}-\d{2}$/.test(period) ? period : thisMonth();
    const chartBox = h('div', { id: 'trend' }, h('p', { class: 'muted' }, t('app.loading')));
    trend(chartMonth, workers)
      .then((chart) => mount(chartBox, chart))
      .catch((error) => mount(chartBox, h('p', { class: 'error-text' }, errorText(error))));
    return page(
      t('board.title'),
      h(
        'div',
        { class: 'toolbar' },
        periodSelect(period, (p) => (location.hash = `#/leaderboard?period=${p}`)),
        h('span', { class: ['badge', board.closed ? 'closed' : 'running'] }, board.closed ? t('board.closed') : t('board.open')),
      ),
      h('div', { class: 'columns' }, h('div', { class: 'col' }, card(null, boardTable(board, workers))), h('div', { class: 'col' }, card(t('board.trend'), chartBox))),
    );
  });
}

function rulingForm(appeal, reload) {
  const reason = h('textarea', { rows: 2, maxlength: 1000, id: `ruling-${appeal.id}`, 'aria-label': t('appeals.decision_reason') });
  const corrected = h('input', { type: 'number', step: '0.01', id: `corrected-${appeal.id}`, 'aria-label': t('appeals.corrected'), value: '0' });
  const message = h('p', { class: 'error-text', role: 'alert' });
  const decide = async (decision) => {
    if (!reason.value.trim()) {
      message.textContent = t('appeals.need_reason');
      return;
    }
    const body = { decision, reason: reason.value.trim() };
    if (decision === 'accept') body.corrected_points = Math.round(Number(corrected.value || 0) * 100);
    try {
      await api.post(`score-appeals/${appeal.id}/decision`, body);
      toast(t('appeals.decided'));
      reload();
    } catch (error) {
      message.textContent = errorText(error);
    }
  };
  return h(
    'div',
    { class: 'ruling' },
    h('label', { for: reason.id }, t('appeals.decision_reason')),
    reason,
    h('label', { for: corrected.id }, t('appeals.corrected')),
    corrected,
    message,
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', class: 'primary', onclick: () => decide('accept') }, t('appeals.accept')),
      h('button', { type: 'button', onclick: () => decide('reject') }, t('appeals.reject')),
    ),
  );
}

export function appealsView(_params, query) {
  const status = query.get('status') || 'pending';
  const reload = () => appealsView(_params, query);
  return show(async () => {
    const [appeals, workers] = await Promise.all([api.get(`score-appeals?status=${status}`), workerDirectory(null)]);
    const tabs = h(
      'div',
      { class: 'tabs' },
      ['pending', 'accepted', 'rejected'].map((s) => h('a', { href: `#/appeals?status=${s}`, class: s === status ? 'active' : null }, t(`appeals.${s}`))),
    );
    const list = appeals.length
      ? appeals.map((a) =>
          card(
            `${workerName(workers, a.worker_id)} · ${t('appeals.line', { id: a.line_id })}`,
            h('p', { class: 'meta' }, dateTime(a.created_at)),
            h('p', {}, `${t('appeals.reason')}：${a.reason}`),
            a.status === 'pending' ? rulingForm(a, reload) : h('p', {}, `${t(`appeals.${a.status}`)} · ${a.decision_reason || ''}`),
          ),
        )
      : h('p', { class: 'muted empty' }, t('appeals.none'));
    return page(t('appeals.title'), tabs, list);
  });
}

export function incentivesView(_params, query) {
  const period = query.get('period') || thisMonth();
  return show(async () => {
    const [payouts, workers] = await Promise.all([api.get(`incentives?period=${encodeURIComponent(period)}`), workerDirectory(null)]);
    const exportButton = h('button', { type: 'button', class: 'primary', id: 'export-csv' }, t('incentives.export'));
    exportButton.addEventListener('click', async () => {
      try {
        const file = await api.blob(`incentives?period=${encodeURIComponent(period)}`, 'text/csv');
        const url = URL.createObjectURL(file);
        const a = h('a', { href: url, download: `incentives-${period}.csv` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        toast(t('incentives.exported'));
      } catch (error) {
        toast(errorText(error), 'error');
      }
    });
    const summary = h(
      'dl',
      { class: 'details inline' },
      [
        [t('incentives.budget'), yuan(payouts.budget_fen)],
        [t('incentives.requested'), yuan(payouts.requested_fen)],
        [t('incentives.paid'), yuan(payouts.paid_fen)],
        [t('incentives.scale'), `${(payouts.scale_bp / 100).toFixed(2)}%`],
      ].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );
    const rows = payouts.per_worker.filter((p) => p.requested_fen || p.total_fen);
    return page(
      t('incentives.title'),
      h('div', { class: 'toolbar' }, periodSelect(period, (p) => (location.hash = `#/incentives?period=${p}`)), exportButton),
      card(null, summary),
      card(
        null,
        table(
          [
            { head: t('board.worker'), cell: (p) => link(`#/workers/${p.worker_id}?period=${period}`, workerName(workers, p.worker_id)) },
            { head: t('incentives.gross'), cell: (p) => yuan(p.gross_reward_fen), cls: 'num' },
            { head: t('incentives.deducted'), cell: (p) => yuan(p.deducted_fen), cls: 'num' },
            { head: t('incentives.tier_bonus'), cell: (p) => yuan(p.tier_bonus_fen), cls: 'num' },
            { head: t('incentives.total'), cell: (p) => yuan(p.total_fen), cls: 'num' },
          ],
          rows,
          { empty: t('board.empty') },
        ),
      ),
    );
  });
}
