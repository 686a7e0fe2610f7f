// Node's view of the bundles' URL layout, for unit tests that import web modules directly: the
// server serves web/shared/ as `shared/` beside each bundle's own files, so the field app's
// `../../shared/x.js` (from web/app/js/results/) means web/shared/x.js on disk. Loaded with
// `node --import ./web_paths.mjs`; registers the resolve hook below.

import { register } from 'node:module';

register('./web_paths_hooks.mjs', import.meta.url);
