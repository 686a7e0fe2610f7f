// Formatting shared by the views: dates, money, points, periods, badges.

import { h } from '../shared/dom.js';
import { label, lang, t } from './i18n.js';

export { caseNo } from './case_number.js';

const TZ = 'Asia/Shanghai';

export function dateTime(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(lang(), {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function date(iso) {
  if (!iso) return '';
  return new Date(iso.length === 10 ? `${iso}T00:00:00+08:00` : iso).toLocaleDateString(lang(), {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
}

/** Fen → "¥1,234.50". */
export function yuan(fen) {
  return `¥${(Number(fen || 0) / 100).toLocaleString(lang(), {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  })}`;
}

/**
 * Fen → money as people say it: "350.50元", whole amounts from 1万 up as "1.2万元" (exact: a
 * whole number of 元 has at most four decimals in 万); "¥1,234.50" in English.
 */
export function money(fen) {
  const f = Math.round(Number(fen || 0));
  if (lang() !== 'zh-CN') return yuan(f);
  if (Math.abs(f) >= 1_000_000 && f % 100 === 0) {
    return `${(f / 1_000_000).toLocaleString('zh-CN', { maximumFractionDigits: 4 })}万元`;
  }
  return `${(f / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}元`;
}

/** Centi-points → "12.5". */
export function points(centi) {
  return (Number(centi || 0) / 100).toLocaleString(lang(), { maximumFractionDigits: 2 });
}

export function percent(fraction) {
  return `${Math.round(Number(fraction || 0) * 100)}%`;
}

/** This month as 2026-03 (China time). */
export function thisMonth() {
  const now = new Date(new Date().toLocaleString('en-US', { timeZone: TZ }));
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

/** The `count` months ending with `last` (oldest first). */
export function monthsUpTo(last, count) {
  const [y, m] = last.split('-').map(Number);
  const out = [];
  for (let k = count - 1; k >= 0; k--) {
    const d = new Date(Date.UTC(y, m - 1 - k, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

/** Periods to choose from: the last 12 months, this year's quarters so far, this year. */
export function periodChoices() {
  const month = thisMonth();
  const months = monthsUpTo(month, 12).reverse();
  const year = month.slice(0, 4);
  const quarter = Math.floor((Number(month.slice(5)) - 1) / 3) + 1;
  const quarters = [];
  for (let q = quarter; q >= 1; q--) quarters.push(`${year}-Q${q}`);
  return [...months, ...quarters, year];
}

export function statusBadge(status) {
  return h('span', { class: ['badge', `status-${status}`] }, label('status', status));
}

export function flagBadge(flag) {
  return h('span', { class: ['badge', 'flag'] }, label('flag', flag));
}

export function overdueBadge(task) {
  return task.overdue ? h('span', { class: ['badge', 'overdue'] }, t('tasks.overdue')) : null;
}

/** "Name (#id)" for a worker id, given a Map of id → worker. */
export function workerName(workers, id) {
  if (id === null || id === undefined) return '—';
  const w = workers && workers.get(id);
  return w ? w.display_name : `#${id}`;
}

