// The township supervisor's screens: the township map shaded by open workload and overdue
// tasks, the period leaderboard with scores over time, appeals to rule on, and the incentive
// payouts with their CSV export for the finance office (the same columns, labels and numbers as
// the screen; an open period marked provisional).

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

/** The period as people write it: 2026年3月, 2026年第1季度, 2026年. */
export function periodText(period) {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (m) return t('period.month', { y: m[1], m: Number(m[2]), mm: m[2] });
  const q = /^(\d{4})-Q([1-4])$/.exec(period);
  if (q) return t('period.quarter', { y: q[1], q: q[2] });
  return t('period.year', { y: period });
}

function boardTable(board, workers) {
  const payouts = new Map((board.payouts?.per_worker || []).map((p) => [p.worker_id, p]));
  const ranked = new Set(board.standings.map((x) => x.worker_id));
  // Workers of the township with nothing in the period are listed too, with zero, unranked.
  const idle = [...workers.values()]
    .filter((w) => w.active && w.township_id === board.township_id && !ranked.has(w.id))
    .sort((a, b) => a.display_name.localeCompare(b.display_name, 'zh-CN'))
    .map((w) => ({ worker_id: w.id, idle: true, total_points: 0, approved: 0, on_time_rate: 0, approval_rate: 0 }));
  return table(
    [
      { head: t('board.rank'), cell: (x) => (x.idle ? t('lb.no_rank') : x.rank), cls: 'num' },
      { head: t('board.worker'), cell: (x) => link(`#/workers/${x.worker_id}?period=${board.period}`, workerName(workers, x.worker_id)) },
      { head: t('board.points'), cell: (x) => points(x.total_points), cls: 'num' },
      { head: t('board.approved'), cell: (x) => x.approved, cls: 'num' },
      { head: t('board.on_time'), cell: (x) => (x.idle ? '—' : percent(x.on_time_rate)), cls: 'num' },
      { head: t('board.approval'), cell: (x) => (x.idle ? '—' : percent(x.approval_rate)), cls: 'num' },
      {
        head: t('board.tier'),
        cell: (x) => (x.idle ? h('span', { class: ['badge', 'idle'] }, t('lb.inactive')) : h('span', { class: ['badge', `tier-${x.tier}`] }, x.tier)),
      },
      { head: t('board.payout'), cell: (x) => yuan(payouts.get(x.worker_id)?.total_fen || 0), cls: 'num' },
    ],
    [...board.standings, ...idle],
    { empty: t('board.empty'), rowClass: (x) => (x.idle ? 'idle-row' : null) },
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
      h(
        'div',
        { class: 'columns' },
        h('div', { class: 'col' }, card(null, boardTable(board, workers), h('p', { class: 'muted small' }, t('lb.inactive_help')))),
        h('div', { class: 'col' }, card(t('board.trend'), chartBox)),
      ),
    );
  });
}

function rulingForm(appeal, reload) {
  const original = appeal.line ? appeal.line.points / 100 : 0;
  const reason = h('textarea', { rows: 2, maxlength: 1000, id: `ruling-${appeal.id}`, 'aria-label': t('appeals.decision_reason') });
  const corrected = h('input', { type: 'number', step: '0.01', id: `corrected-${appeal.id}`, 'aria-label': t('appeals.corrected'), value: String(original) });
  const message = h('p', { class: 'error-text', role: 'alert' });
  const decide = async (decision) => {
    if (!reason.value.trim()) {
      message.textContent = t('appeals.need_reason');
      return;
    }
    const body = { decision, reason: reason.value.trim() };
    if (decision === 'accept') {
      if (corrected.value.trim() === '' || !Number.isFinite(Number(corrected.value))) {
        message.textContent = t('ap.need_number');
        return;
      }
      body.corrected_points = Math.round(Number(corrected.value) * 100);
      if (body.corrected_points === 0 && !window.confirm(t('ap.confirm_void', { points: points(appeal.line?.points || 0) }))) return;
    }
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
    h('p', { class: 'muted small' }, t('ap.corrected_help')),
    message,
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', class: 'primary', onclick: () => decide('accept') }, t('appeals.accept')),
      h('button', { type: 'button', onclick: () => decide('reject') }, t('appeals.reject')),
    ),
  );
}

/** What the appeal is against: the line's cause, its original points, when, and its task. */
function appealedLine(appeal) {
  const l = appeal.line;
  if (!l) return h('p', { class: 'muted' }, t('ap.line_missing'));
  return h(
    'dl',
    { class: 'details appeal-line' },
    h('dt', {}, t('ap.cause')),
    h('dd', {}, t('ap.cause_value', { cause: label('line', l.code), when: dateTime(l.occurred_at) })),
    h('dt', {}, t('ap.original')),
    h('dd', { class: 'original-points' }, points(l.points)),
    l.task_id ? [h('dt', {}, t('ap.task')), h('dd', {}, link(`#/tasks/${l.task_id}`, t('ap.task_link', { id: l.task_id })))] : null,
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
          h(
            'div',
            { class: 'appeal', id: `appeal-${a.id}` },
            card(
              link(`#/workers/${a.worker_id}`, t('ap.worker_line', { name: workerName(workers, a.worker_id) })),
              h('p', { class: 'meta' }, dateTime(a.created_at)),
              appealedLine(a),
              h('p', {}, `${t('appeals.reason')}：${a.reason}`),
              a.status === 'pending' ? rulingForm(a, reload) : h('p', {}, t('ap.decided_by', { status: t(`appeals.${a.status}`), reason: a.decision_reason || '' })),
            ),
          ),
        )
      : h('p', { class: 'muted empty' }, t('appeals.none'));
    return page(t('appeals.title'), tabs, list);
  });
}

/** The tier bonus asked for before the budget (as the CSV computes it). */
function requestedTierBonus(p) {
  return Math.max(0, p.requested_fen - Math.max(0, p.gross_reward_fen - p.deducted_fen));
}

/** The file name the server gives (Content-Disposition filename*), or a fallback. */
function fileNameOf(response, fallback) {
  const header = response.headers.get('content-disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // A malformed name: use the fallback.
    }
  }
  return fallback;
}

export function incentivesView(_params, query) {
  const period = query.get('period') || thisMonth();
  return show(async () => {
    const [payouts, board, workers, me] = await Promise.all([
      api.get(`incentives?period=${encodeURIComponent(period)}`),
      api.get(`scores?period=${encodeURIComponent(period)}`),
      workerDirectory(null),
      api.cached('me', () => api.get('me')),
    ]);
    const exportButton = h('button', { type: 'button', class: 'primary', id: 'export-csv' }, t('incentives.export'));
    exportButton.addEventListener('click', async () => {
      try {
        const response = await api.request(`incentives?period=${encodeURIComponent(period)}`, { headers: { Accept: 'text/csv' } });
        const name = fileNameOf(response, `incentives-${period}.csv`);
        const url = URL.createObjectURL(await response.blob());
        const a = h('a', { href: url, download: name });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        toast(t('incentives.exported'));
      } catch (error) {
        toast(errorText(error), 'error');
      }
    });
    const provisional = !board.closed;
    const status = h(
      'span',
      { class: ['badge', provisional ? 'running' : 'closed'], id: 'payout-status' },
      provisional ? t('in.status_open') : t('in.status_closed'),
    );
    const summary = h(
      'dl',
      { class: 'details inline' },
      [
        [t('incentives.budget'), yuan(payouts.budget_fen)],
        [t('in.requested'), yuan(payouts.requested_fen)],
        [t('in.paid'), yuan(payouts.paid_fen)],
        [t('incentives.scale'), `${(payouts.scale_bp / 100).toFixed(2)}%`],
      ].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );
    const rows = payouts.per_worker;
    const sum = (f) => rows.reduce((acc, p) => acc + f(p), 0);
    const columns = [
      { head: t('board.worker'), cell: (p) => link(`#/workers/${p.worker_id}?period=${period}`, workerName(workers, p.worker_id)) },
      { head: t('in.gross'), cell: (p) => yuan(p.gross_reward_fen), cls: 'num' },
      { head: t('in.deducted'), cell: (p) => yuan(p.deducted_fen), cls: 'num' },
      { head: t('in.tier_bonus'), cell: (p) => yuan(requestedTierBonus(p)), cls: 'num' },
      { head: t('in.requested'), cell: (p) => yuan(p.requested_fen), cls: 'num' },
      { head: t('in.paid'), cell: (p) => yuan(p.total_fen), cls: 'num' },
    ];
    const totals = {
      total: true,
      gross_reward_fen: sum((p) => p.gross_reward_fen),
      deducted_fen: sum((p) => p.deducted_fen),
      requested_fen: sum((p) => p.requested_fen),
      total_fen: sum((p) => p.total_fen),
      tier: sum(requestedTierBonus),
    };
    const totalRow = {
      ...totals,
      // The total row: its own label and the summed tier bonus.
      worker_id: null,
    };
    const withTotal = rows.length ? [...rows, totalRow] : rows;
    const cell = (c) => (p) => {
      if (!p.total) return c.cell(p);
      if (c === columns[0]) return h('strong', {}, t('in.total_row'));
      if (c === columns[3]) return yuan(p.tier);
      return c.cell(p);
    };
    return page(
      t('incentives.title'),
      h('div', { class: 'toolbar' }, periodSelect(period, (p) => (location.hash = `#/incentives?period=${p}`)), status, exportButton),
      provisional ? h('p', { class: 'muted', id: 'provisional-note' }, t('in.status_open_help')) : null,
      card(h('span', { id: 'payout-heading' }, t('in.heading', { township: me.scope?.township?.name || '', period: periodText(period) })), summary),
      card(
        null,
        table(
          columns.map((c) => ({ ...c, cell: cell(c) })),
          withTotal,
          { empty: t('board.empty'), rowClass: (p) => (p.total ? 'total-row' : null) },
        ),
        h('p', { class: 'muted small' }, t('in.gross_help')),
      ),
    );
  });
}
