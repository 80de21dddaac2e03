// The TypeScript declarations: a program using every public name type-checks under
// --strict through the package's name, misuse does not, and each runtime export of both
// entry points is declared.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';

import { ROOT } from './support/fixtures.js';

const run = promisify(execFile);

test('every runtime export of both entry points is declared (Node\'s extras in node.d.ts)', async () => {
  const declarations = readFileSync(join(ROOT, 'web', 'src', 'index.d.ts'), 'utf8');
  const nodeDeclarations = readFileSync(join(ROOT, 'web', 'src', 'node.d.ts'), 'utf8');
  const browser = Object.keys(await import('../web/src/index.js')).sort();
  const node = Object.keys(await import('../web/src/node.js')).sort();
  const nodeOnly = node.filter((name) => !browser.includes(name));
  assert.deepEqual(browser.filter((name) => !node.includes(name)), [], 'Node exports all the browser entry point does');
  assert.deepEqual(nodeOnly, ['decodeImage'], 'the names only Node exports');
  for (const name of browser) {
    assert.match(declarations, new RegExp(`export (function|const) ${name}\\b`), `${name} is not declared`);
  }
  for (const name of nodeOnly) {
    assert.match(nodeDeclarations, new RegExp(`export (function|const) ${name}\\b`), `${name} is not declared in node.d.ts`);
  }
  assert.match(nodeDeclarations, /export \* from '\.\/index\.js'/, 'node.d.ts re-exports the shared declarations');
});

test('a strict TypeScript program using the whole API type-checks (and its misuses do not)', { timeout: 120_000 }, async () => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await run(process.execPath, [tsc, '-p', join(ROOT, 'wasm-tests', 'types', 'tsconfig.json')], { cwd: ROOT });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
