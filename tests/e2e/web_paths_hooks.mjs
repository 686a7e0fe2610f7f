// Resolve hook (see web_paths.mjs): web/app/shared/… → web/shared/…, as the server mounts it.

const MOUNT = '/web/app/shared/';

export async function resolve(specifier, context, next) {
  if (context.parentURL && (specifier.startsWith('./') || specifier.startsWith('../'))) {
    const url = new URL(specifier, context.parentURL);
    if (url.protocol === 'file:' && url.pathname.includes(MOUNT)) {
      url.pathname = url.pathname.replace(MOUNT, '/web/shared/');
      return next(url.href, context);
    }
  }
  return next(specifier, context);
}
