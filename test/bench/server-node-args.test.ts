// TF_OCI_BENCH_SERVER_NODE_ARGS (bench/README.md): extra node flags for the suite's server, space-separated;
// anything that is not a flag is refused by name before a server starts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverNodeArgs } from '../../bench/lib/server.js';

test('flags are split on spaces; unset or blank gives none', () => {
  assert.deepEqual(serverNodeArgs('--trace-deopt  --trace-opt'), ['--trace-deopt', '--trace-opt']);
  assert.deepEqual(serverNodeArgs(' --max-semi-space-size=1 '), ['--max-semi-space-size=1']);
  assert.deepEqual(serverNodeArgs(undefined), []);
  assert.deepEqual(serverNodeArgs('   '), []);
});

test('a word that is not a flag is named in the error', () => {
  assert.throws(() => serverNodeArgs('--trace-gc dist/main.js'), /TF_OCI_BENCH_SERVER_NODE_ARGS: "dist\/main\.js" is not a node flag/);
});
