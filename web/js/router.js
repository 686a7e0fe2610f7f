// Hash routing (#/cases/12): the server serves one page, so any view can be bookmarked and
// reloaded without the server knowing the console's routes.

const routes = [];
let fallback = () => {};

/** Register a view for a pattern such as '/tasks/:id'. */
export function route(pattern, view) {
  const names = [];
  const regex = new RegExp(
    `^${pattern.replace(/:(\w+)/g, (_, name) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  routes.push({ regex, names, view });
}

export function otherwise(view) {
  fallback = view;
}

/** The current location: path, params and query. */
export function current() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  return { path, query: new URLSearchParams(search) };
}

export function navigate(path) {
  if (location.hash === `#${path}`) {
    render();
  } else {
    location.hash = path;
  }
}

/** Show the view for the current location. */
export function render() {
  const { path, query } = current();
  for (const { regex, names, view } of routes) {
    const match = regex.exec(path);
    if (match) {
      const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
      return view(params, query);
    }
  }
  return fallback(path);
}

export function start() {
  window.addEventListener('hashchange', render);
  return render();
}
