// The sign-in form: the same accounts as the API.

import * as api from '../api.js';
import { h, mount } from '../../shared/dom.js';
import { t } from '../i18n.js';
import { errorText } from './common.js';

// One sign-in at a time: showing the form again (e.g. after a language switch) keeps the
// promise the app is already waiting on.
let waiting = null;

/** Show the form; resolves once the user has signed in. */
export function loginView(notice) {
  if (!waiting) {
    let resolve;
    const promise = new Promise((r) => {
      resolve = r;
    });
    waiting = { promise, resolve };
  }
  draw(notice);
  return waiting.promise;
}

function draw(notice) {
  {
    const main = document.getElementById('view');
    const message = h('p', { class: 'error-text', role: 'alert', id: 'login-error' }, notice || '');
    const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autofocus: true });
    const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('auth.submit'));
    const form = h(
      'form',
      { class: 'login card', novalidate: true },
      h('h1', {}, t('auth.title')),
      h('label', { for: 'username' }, t('auth.username')),
      username,
      h('label', { for: 'password' }, t('auth.password')),
      password,
      message,
      submit,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      message.textContent = '';
      try {
        const user = await api.login(username.value.trim(), password.value);
        const done = waiting;
        waiting = null;
        done?.resolve(user);
      } catch (error) {
        if (error.code === 'invalid_credentials') message.textContent = t('auth.invalid_credentials');
        else if (error.code === 'too_many_attempts') message.textContent = t('auth.too_many_attempts', { seconds: error.retryAfter || 60 });
        else message.textContent = errorText(error);
        password.value = '';
        password.focus();
      } finally {
        submit.disabled = false;
      }
    });
    mount(main, form);
    username.focus();
  }
}
