// Pieces every screen uses: the words for statuses, kinds and flags, China-time dates, distances,
// money, the page frame, and messages for failures. Screens show names and sentences, never raw
// codes; the words are the glossary's (shared/context/glossary.md of the project's design).

import { h, mount, toast } from '../shared/dom.js';
import { addStrings, label, lang, t } from './i18n.js';

export { toast };

addStrings({
  zh: {
    'app.name': '协助执行',
    'app.loading': '加载中…',
    'app.back': '返回',
    'app.retry': '重试',
    'app.cancel': '取消',
    'app.none': '暂无',
    'app.offline': '未联网：所做操作已保存在手机上，联网后自动发送。',
    'app.waiting': '{n} 项待发送',
    'app.failed': '{n} 项发送失败，请查看',
    'app.update': '新版本已就绪',
    'app.reload': '刷新',
    'status.assigned': '待接收',
    'status.accepted': '已接收',
    'status.in_progress': '办理中',
    'status.submitted': '待审核',
    'status.returned': '已退回',
    'status.approved': '已通过',
    'status.cancelled': '已撤销',
    'status.queued': '待分派',
    'status.created': '已创建',
    'kind.serve_documents': '文书送达',
    'kind.locate_person': '查找被执行人',
    'kind.locate_assets': '查找财产线索',
    'kind.urge_performance': '督促履行',
    'kind.facilitate_settlement': '促成和解',
    'kind.publicize_dishonesty': '失信曝光',
    'kind.report_refusal': '拒执线索报告',
    'kind.take_down_notice': '撤除失信曝光',
    'priority.urgent': '紧急',
    'flag.far_from_target': '距目标过远',
    'flag.poor_accuracy': '定位精度低',
    'flag.clock_skew': '手机时间偏差',
    'flag.before_assignment': '派单前签到',
    'flagtext.far_from_target': '签到位置离目标较远（{d}）。如确在现场，可在结果中说明。',
    'flagtext.poor_accuracy': '定位精度较低（误差约 {a} 米）。可到开阔处再签到一次。',
    'flagtext.clock_skew': '手机时间与服务器相差较大，请检查手机的日期和时间设置。',
    'flagtext.before_assignment': '签到时间早于派单时间。',
    'reason.insufficient_evidence': '证据不足',
    'reason.wrong_person': '对象错误',
    'reason.wrong_address': '地址错误',
    'reason.illegible': '材料无法辨认',
    'reason.incomplete': '内容不完整',
    'reason.not_on_site': '未到现场',
    'reason.other': '其他',
    'gone.reassigned': '已改派给其他网格员',
    'gone.declined': '已退回派单',
    'gone.cancelled': '已被承办人撤销',
    'gone.other': '已不再由你办理',
    'role.debtor': '被执行人',
    'role.applicant': '申请执行人',
    'party.person': '自然人',
    'party.company': '单位',
    'error.network': '连不上服务器，请检查网络后重试。',
    'error.forbidden': '你无权进行此操作。',
    'error.not_found': '找不到此任务，可能已改派或撤销。',
    'error.invalid_transition': '任务当前的状态不允许此操作。',
    'error.stale_etag': '任务已被他人修改，请刷新后再试。',
    'error.invalid_credentials': '用户名或密码不正确。',
    'error.rate_limited': '尝试次数过多，请稍后再试。',
    'error.session_lost': '登录已失效，请重新输入密码。',
    'error.other': '操作未成功：{detail}',
    'when.overdue': '已逾期 {d}',
    'when.due_in': '{d}后到期',
    'when.days': '{n} 天',
    'when.hours': '{n} 小时',
    'when.minutes': '{n} 分钟',
    'dist.m': '{n} 米',
    'dist.km': '{n} 公里',
    'money.yuan': '{n} 元',
  },
  en: {
    'app.name': 'Field assist',
    'app.loading': 'Loading…',
    'app.back': 'Back',
    'app.retry': 'Retry',
    'app.cancel': 'Cancel',
    'app.none': 'None',
    'app.offline': 'Offline: your work is saved on this phone and will be sent when you are back online.',
    'app.waiting': '{n} waiting to be sent',
    'app.failed': '{n} could not be sent — tap to see',
    'app.update': 'A new version is ready',
    'app.reload': 'Reload',
    'status.assigned': 'To accept',
    'status.accepted': 'Accepted',
    'status.in_progress': 'In progress',
    'status.submitted': 'Awaiting review',
    'status.returned': 'Returned',
    'status.approved': 'Approved',
    'status.cancelled': 'Cancelled',
    'status.queued': 'Queued',
    'status.created': 'Created',
    'kind.serve_documents': 'Serve documents',
    'kind.locate_person': 'Locate the debtor',
    'kind.locate_assets': 'Find asset leads',
    'kind.urge_performance': 'Urge payment',
    'kind.facilitate_settlement': 'Facilitate settlement',
    'kind.publicize_dishonesty': 'Publicize dishonesty',
    'kind.report_refusal': 'Report refusal',
    'kind.take_down_notice': 'Take down notice',
    'priority.urgent': 'Urgent',
    'flag.far_from_target': 'Far from target',
    'flag.poor_accuracy': 'Poor accuracy',
    'flag.clock_skew': 'Phone clock off',
    'flag.before_assignment': 'Before assignment',
    'flagtext.far_from_target': 'You checked in {d} from the target. If you really are on site, say so in the result.',
    'flagtext.poor_accuracy': 'The fix was imprecise (about {a} m). Try again in the open.',
    'flagtext.clock_skew': "Your phone's clock differs from the server's; check its date and time settings.",
    'flagtext.before_assignment': 'The check-in is earlier than the assignment.',
    'reason.insufficient_evidence': 'Insufficient evidence',
    'reason.wrong_person': 'Wrong person',
    'reason.wrong_address': 'Wrong address',
    'reason.illegible': 'Illegible',
    'reason.incomplete': 'Incomplete',
    'reason.not_on_site': 'Not on site',
    'reason.other': 'Other',
    'gone.reassigned': 'reassigned to another grid worker',
    'gone.declined': 'declined',
    'gone.cancelled': 'cancelled by the officer',
    'gone.other': 'no longer yours',
    'role.debtor': 'Debtor',
    'role.applicant': 'Applicant',
    'party.person': 'Person',
    'party.company': 'Organisation',
    'error.network': 'Cannot reach the server; check the connection and retry.',
    'error.forbidden': 'You may not do this.',
    'error.not_found': 'Task not found; it may have been reassigned or cancelled.',
    'error.invalid_transition': "The task's state does not allow this.",
    'error.stale_etag': 'Someone changed the task meanwhile; reload and try again.',
    'error.invalid_credentials': 'Wrong username or password.',
    'error.rate_limited': 'Too many attempts; try again later.',
    'error.session_lost': 'Your sign-in has expired; enter your password again.',
    'error.other': 'That did not work: {detail}',
    'when.overdue': 'Overdue by {d}',
    'when.due_in': 'Due in {d}',
    'when.days': '{n} d',
    'when.hours': '{n} h',
    'when.minutes': '{n} min',
    'dist.m': '{n} m',
    'dist.km': '{n} km',
    'money.yuan': '¥{n}',
  },
});

const TZ = 'Asia/Shanghai';

function chinaParts(iso) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso));
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

/** "12月3日 14:05" (China time; the year only when it is not this year). */
export function dateTime(iso) {
  if (!iso) return '';
  const p = chinaParts(iso);
  const year = p.year === chinaParts(new Date().toISOString()).year ? '' : p.year;
  if (lang() === 'en') return `${year ? `${year}-` : ''}${Number(p.month)}/${Number(p.day)} ${p.hour}:${p.minute}`;
  return `${year ? `${year}年` : ''}${Number(p.month)}月${Number(p.day)}日 ${p.hour}:${p.minute}`;
}

export function fullDate(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleDateString(lang(), { timeZone: TZ, year: 'numeric', month: 'long', day: 'numeric' });
}

function span(ms) {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60000));
  if (minutes >= 2 * 24 * 60) return t('when.days', { n: Math.round(minutes / 1440) });
  if (minutes >= 90) return t('when.hours', { n: Math.round(minutes / 60) });
  return t('when.minutes', { n: minutes });
}

/** "3 天后到期" / "已逾期 5 小时". */
export function dueText(dueAt, now = Date.now()) {
  const ms = new Date(dueAt).getTime() - now;
  return ms < 0 ? t('when.overdue', { d: span(ms) }) : t('when.due_in', { d: span(ms) });
}

export function distanceText(m) {
  if (m == null || !Number.isFinite(m)) return '';
  return m < 1000 ? t('dist.m', { n: Math.round(m) }) : t('dist.km', { n: (m / 1000).toFixed(m < 10000 ? 1 : 0) });
}

export function yuan(fen) {
  if (fen == null) return '';
  return t('money.yuan', { n: (fen / 100).toLocaleString(lang(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }) });
}

export function points(centi) {
  const n = (centi || 0) / 100;
  return `${n > 0 ? '+' : ''}${n.toLocaleString(lang(), { maximumFractionDigits: 2 })}`;
}

/** Where a task is, in words: the target's address, else the party's first address. */
export function placeOf(task) {
  return task?.target?.address || task?.party?.addresses?.[0]?.text || '';
}

export const kindName = (kind) => label('kind', kind);
export const statusName = (status) => label('status', status);

export function badge(text, tone = '') {
  return h('span', { class: ['badge', tone && `badge-${tone}`] }, text);
}

/** A failure in the worker's words (problem codes → sentences). */
export function errorText(error) {
  const known = ['network', 'forbidden', 'not_found', 'invalid_transition', 'stale_etag', 'invalid_credentials', 'rate_limited', 'session_lost'];
  if (error?.status === 0) return t('error.network');
  if (known.includes(error?.code)) return t(`error.${error.code}`);
  if (error?.status === 401) return t('error.invalid_credentials');
  if (error?.status === 429) return t('error.rate_limited');
  return t('error.other', { detail: error?.detail || error?.message || '' });
}

/** A screen: a header (title, optional back link) and the content. */
export function screen(title, { back = null, actions = null } = {}, ...content) {
  return [
    h(
      'header',
      { class: 'bar' },
      back ? h('a', { class: 'back', href: back, 'aria-label': t('app.back') }, '‹') : null,
      h('h1', {}, title),
      actions,
    ),
    h('div', { class: 'content' }, ...content),
  ];
}

export function render(...nodes) {
  const view = document.getElementById('view');
  mount(view, ...nodes);
  return view;
}
