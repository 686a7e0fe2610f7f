// The applicant's page (申请执行人查询执行进展): no account, only the access code the court gave
// them. It asks GET /api/v1/public/cases/{code}/progress and shows what the court and the grid
// workers have done, in the server's Chinese labels. A code in the address's fragment
// (/progress#K7QF-…, as a QR code on the slip may carry it) is read once and removed from the
// address bar; fragments never reach the server or its logs.

import { caseNo } from '../js/case_number.js';
import { h, mount } from '../shared/dom.js';

const OUTCOMES = [
  ['money_recovered', '已执行到位款项'],
  ['assets_frozen', '已冻结财产'],
  ['assets_seized', '已查封、扣押财产'],
  ['settlement_performed', '和解协议已履行'],
];

function day(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}

function say(text) {
  const message = document.getElementById('message');
  message.textContent = text || '';
  message.hidden = !text;
}

function row(label, value) {
  return value ? [h('dt', {}, label), h('dd', {}, value)] : null;
}

function taskCard(task) {
  const outcomes = task.outcome ? OUTCOMES.filter(([key]) => task.outcome[key]).map(([, text]) => text) : [];
  return h(
    'li',
    { class: 'task' },
    h('h3', {}, `${task.number}. ${task.kind_label}`, ' ', h('span', { class: `status ${task.status}` }, task.status_label)),
    h(
      'dl',
      {},
      row('发起日期', day(task.created_on)),
      row('网格员接收', day(task.accepted_on)),
      row('到达现场', day(task.checked_in_on)),
      row('提交结果', day(task.submitted_on)),
      row('法院审核通过', day(task.approved_on)),
      row('撤回日期', day(task.cancelled_on)),
      row('办理结果', task.result_label),
      row('执行成果', outcomes.join('；')),
    ),
  );
}

function render(p) {
  const closed = p.closed_on ? ` · 结案日期 ${day(p.closed_on)}` : '';
  return [
    h(
      'div',
      { class: 'card' },
      h('h2', {}, caseNo(p.case_number)),
      h('p', {}, `${p.court_name} · `, h('strong', {}, p.case_status_label), ` · 立案日期 ${day(p.filed_on)}${closed}`),
      h('p', { class: 'hint' }, `查询时间：${new Date(p.as_of).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })}。为保护各方隐私，本页不显示当事人信息、工作人员姓名和具体金额。`),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, '协助执行事项'),
      p.tasks.length ? h('ol', { class: 'tasks' }, p.tasks.map(taskCard)) : h('p', {}, '法院尚未发起协助执行事项。'),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, '办理经过'),
      h(
        'ol',
        { class: 'timeline' },
        p.timeline.map((e) => h('li', {}, h('span', { class: 'when' }, day(e.on)), ' ', e.task ? `${e.task}. ${e.kind_label}：${e.label}` : e.label)),
      ),
      h('button', { type: 'button', class: 'print', onclick: () => window.print() }, '打印'),
    ),
  ];
}

async function lookup(code) {
  const result = document.getElementById('result');
  say('');
  mount(result, h('p', { class: 'hint' }, '查询中…'));
  let response;
  try {
    response = await fetch(`/api/v1/public/cases/${encodeURIComponent(code)}/progress`, { cache: 'no-store' });
  } catch {
    mount(result);
    say('无法连接服务器，请检查网络后重试。');
    return;
  }
  if (response.ok) {
    mount(result, render(await response.json()));
    return;
  }
  // Read the problem body to the end, so the connection is released.
  await response.text().catch(() => '');
  mount(result);
  if (response.status === 429) {
    const seconds = Number(response.headers.get('Retry-After')) || 60;
    say(`查询次数过多，请 ${Math.ceil(seconds / 60)} 分钟后再试。`);
  } else if (response.status === 404) {
    say('查询码无效或已作废。请核对后重新输入；如仍无法查询，请联系承办法院。');
  } else {
    say('暂时无法查询，请稍后再试。');
  }
}

function start() {
  const form = document.getElementById('lookup');
  const input = document.getElementById('code');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const code = input.value.trim();
    if (code) lookup(code);
  });
  const fromAddress = decodeURIComponent(location.hash.replace(/^#/, ''));
  if (fromAddress) {
    history.replaceState(null, '', location.pathname);
    input.value = fromAddress;
    lookup(fromAddress);
  }
}

start();
