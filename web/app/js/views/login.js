// Sign-in. Two cases: a first sign-in on this phone, and a sign-in that was lost (revoked,
// expired) while work is queued — then the username is fixed, the queue is named, and nothing is
// wiped: signing in again sends it.

import { h } from '../../shared/dom.js';
import * as api from '../api.js';
import { addStrings, lang, setLang, t } from '../i18n.js';
import { errorText, render } from '../ui.js';

addStrings({
  zh: {
    'login.title': '网格员登录',
    'login.subtitle': '法院协助执行事项',
    'login.username': '用户名',
    'login.password': '密码',
    'login.submit': '登录',
    'login.busy': '正在登录…',
    'login.lost': '登录已失效，请重新输入密码。手机上尚未发送的 {n} 项操作会保留，登录后自动发送。',
    'login.lost_none': '登录已失效，请重新输入密码。',
    'login.switch': '换个账号登录（会清除本机数据）',
    'login.offline': '当前未联网，联网后才能登录。',
    'login.language': 'English',
  },
  en: {
    'login.title': 'Grid worker sign-in',
    'login.subtitle': 'Court enforcement assistance',
    'login.username': 'Username',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.busy': 'Signing in…',
    'login.lost': 'Your sign-in has expired; enter your password again. The {n} actions waiting on this phone are kept and will be sent once you sign in.',
    'login.lost_none': 'Your sign-in has expired; enter your password again.',
    'login.switch': 'Sign in as someone else (clears this phone)',
    'login.offline': 'You are offline; signing in needs a connection.',
    'login.language': '中文',
  },
});

export async function loginView({ onSignedIn, lost = null, waiting = 0 }) {
  const error = h('p', { class: 'form-error', role: 'alert', id: 'login-error' });
  const username = h('input', {
    id: 'login-username',
    name: 'username',
    autocomplete: 'username',
    autocapitalize: 'none',
    required: true,
    value: lost?.username || '',
    readonly: lost ? true : null,
  });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, t('login.submit'));
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = '';
        submit.disabled = true;
        submit.textContent = t('login.busy');
        try {
          await api.login(username.value.trim(), password.value);
          await onSignedIn();
        } catch (e) {
          error.textContent = e.status === 0 ? t('login.offline') : errorText(e);
          submit.disabled = false;
          submit.textContent = t('login.submit');
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'login-username' }, t('login.username')), username),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('login.password')), password),
    error,
    submit,
  );
  render(
    h(
      'div',
      { class: 'login-page' },
      h('h1', {}, t('login.title')),
      h('p', { class: 'muted' }, t('login.subtitle')),
      lost ? h('p', { class: 'notice', id: 'login-lost' }, waiting ? t('login.lost', { n: waiting }) : t('login.lost_none')) : null,
      navigator.onLine ? null : h('p', { class: 'notice' }, t('login.offline')),
      form,
      lost
        ? h(
            'button',
            {
              type: 'button',
              class: 'link',
              onclick: async () => {
                await api.logout();
                location.reload();
              },
            },
            t('login.switch'),
          )
        : null,
      h('button', { type: 'button', class: 'link', onclick: () => setLang(lang() === 'en' ? 'zh-CN' : 'en') }, t('login.language')),
    ),
  );
  (lost ? password : username).focus();
}
