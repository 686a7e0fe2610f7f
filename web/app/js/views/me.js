// Me: who is signed in, the language, how current the phone's data is, how to install the app,
// and signing out — which wipes everything the app stored on this phone.

import { h } from '../../shared/dom.js';
import * as api from '../api.js';
import { addStrings, lang, setLang, t } from '../i18n.js';
import * as store from '../store.js';
import { outbox } from '../sync.js';
import { dateTime, render, screen } from '../ui.js';

addStrings({
  zh: {
    'me.title': '我的',
    'me.signed_in': '当前登录：{name}（{username}）',
    'me.language': '语言 / Language',
    'me.synced': '最近同步：{at}',
    'me.never': '尚未同步',
    'me.stored': '手机上保存了 {tasks} 个任务、{drafts} 份草稿、{queued} 项待发送操作。',
    'me.install': '添加到主屏幕：在浏览器菜单中选择“添加到主屏幕”或“安装应用”，以后可像普通应用一样打开，未联网也能用。',
    'me.logout': '退出登录',
    'me.logout_note': '退出会清除本应用保存在这部手机上的全部数据。',
    'me.logout_confirm_queued': '还有 {n} 项操作未发送，退出后将丢失。确定退出吗？',
  },
  en: {
    'me.title': 'Me',
    'me.signed_in': 'Signed in as {name} ({username})',
    'me.language': 'Language / 语言',
    'me.synced': 'Last sync: {at}',
    'me.never': 'Not synced yet',
    'me.stored': 'On this phone: {tasks} tasks, {drafts} drafts, {queued} actions waiting.',
    'me.install': 'Add to home screen from the browser menu ("Add to Home screen" / "Install app") to open it like an app, also offline.',
    'me.logout': 'Sign out',
    'me.logout_note': 'Signing out deletes everything this app stored on this phone.',
    'me.logout_confirm_queued': '{n} actions have not been sent and will be lost. Sign out anyway?',
  },
});

export async function meView() {
  const [me, syncedAt, tasks, drafts, queued] = await Promise.all([api.user(), store.get('kv', 'synced_at'), store.all('tasks'), store.all('drafts'), outbox()]);
  const language = h(
    'select',
    { id: 'language', onchange: (e) => setLang(e.target.value) },
    h('option', { value: 'zh-CN', selected: lang() === 'zh-CN' }, '中文'),
    h('option', { value: 'en', selected: lang() === 'en' }, 'English'),
  );
  const logout = h('button', { type: 'button', class: 'danger wide', id: 'logout' }, t('me.logout'));
  logout.addEventListener('click', async () => {
    if (queued.length && !confirm(t('me.logout_confirm_queued', { n: queued.length }))) return;
    await api.logout();
    location.hash = '#/tasks';
    location.reload();
  });
  render(
    ...screen(
      t('me.title'),
      {},
      h('section', { class: 'card' }, h('p', { id: 'who' }, t('me.signed_in', { name: me?.display_name || '', username: me?.username || '' })), h('p', { class: 'muted' }, syncedAt ? t('me.synced', { at: dateTime(syncedAt) }) : t('me.never')), h('p', { class: 'muted small' }, t('me.stored', { tasks: tasks.length, drafts: drafts.length, queued: queued.length }))),
      h('section', { class: 'card' }, h('div', { class: 'field' }, h('label', { for: 'language' }, t('me.language')), language)),
      h('section', { class: 'card' }, h('p', { class: 'small' }, t('me.install'))),
      h('section', { class: 'card' }, h('p', { class: 'muted small' }, t('me.logout_note')), logout),
    ),
  );
  return null;
}
