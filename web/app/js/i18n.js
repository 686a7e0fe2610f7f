// The field app's interface text: Chinese first, English switchable. Each module brings its own
// strings with addStrings(), so a screen's words sit beside the screen. The choice of language
// is a preference (localStorage), not data: signing out keeps it.

const STORAGE_KEY = 'gridassist.app.lang';
export const LANGS = ['zh-CN', 'en'];

const DICTS = { 'zh-CN': {}, en: {} };

/** Add strings: addStrings({ zh: { key: '文字' }, en: { key: 'text' } }). */
export function addStrings({ zh = {}, en = {} }) {
  Object.assign(DICTS['zh-CN'], zh);
  Object.assign(DICTS.en, en);
}

function stored() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

let current = LANGS.includes(stored()) ? stored() : 'zh-CN';

export function lang() {
  return current;
}

/** Switch language, remember it, and tell the app to redraw. */
export function setLang(next) {
  if (!LANGS.includes(next) || next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  document.documentElement.lang = next;
  window.dispatchEvent(new CustomEvent('langchange'));
}

/** The text for a key with {name} placeholders filled; a missing key falls back to Chinese. */
export function t(key, vars = {}) {
  const text = DICTS[current][key] ?? DICTS['zh-CN'][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Label of an enumeration value (`label('status', 'approved')`); unknown codes show as given. */
export function label(group, code) {
  if (code === null || code === undefined) return '';
  const key = `${group}.${code}`;
  return DICTS[current][key] ?? DICTS['zh-CN'][key] ?? String(code);
}

/** Whether a label exists (for choosing between a label and a fallback sentence). */
export function hasLabel(group, code) {
  return `${group}.${code}` in DICTS['zh-CN'];
}

if (typeof document !== 'undefined') document.documentElement.lang = current;
