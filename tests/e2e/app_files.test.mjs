// The field app's page asks for every module at once (<link rel="modulepreload">): a module
// missing from that list still works, but costs a round trip per level of imports on a slow
// network, so the list must stay complete. And every relative import names a file that exists.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const WEB = new URL('../../web/', import.meta.url).pathname;
const APP = join(WEB, 'app');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

// Where each served module lives on disk: the app's own files, and web/shared/ mounted as shared/.
const modules = [
  ...files(join(APP, 'js')).filter((f) => f.endsWith('.js')).map((f) => [relative(APP, f), f]),
  ...files(join(WEB, 'shared')).filter((f) => f.endsWith('.js')).map((f) => [`shared/${relative(join(WEB, 'shared'), f)}`, f]),
];

test('the page preloads every module of the app', () => {
  const page = readFileSync(join(APP, 'index.html'), 'utf8');
  const preloaded = [...page.matchAll(/rel="modulepreload" href="\{\{ASSET_BASE\}\}\/([^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(preloaded, modules.map(([served]) => served).sort());
});

test('every relative import names a module of the bundle', () => {
  const served = new Set(modules.map(([name]) => name));
  for (const [name, path] of modules) {
    const source = readFileSync(path, 'utf8');
    for (const [, spec] of source.matchAll(/^import [^'"]*['"](\.[^'"]+)['"]/gm)) {
      const target = relative('/', resolve('/', dirname(name), spec));
      assert.ok(served.has(target) || existsSync(join(APP, target)), `${name} imports ${spec}: no such module`);
    }
  }
});
