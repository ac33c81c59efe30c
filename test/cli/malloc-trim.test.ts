// keepFreedMemory (src/cli/malloc-trim.ts): when it applies (Linux with glibc, no allocator settings given
// by the operator), and that applying it leaves no gc() behind in the process. Its effect, freed socket
// buffers reused without page faults, is measured by the downloads benchmark (`npm run bench --
// --only=downloads`: the "minor faults per 100 MB" column; bench/findings.md), where a small deterministic
// test could not reproduce glibc's heap layout of a serving process.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { glibcRuntimeVersion, mallocTrimSkipReason } from '../../src/cli/malloc-trim.js';

describe('keepFreedMemory: when it applies', () => {
  it('says why it does nothing off Linux, off glibc, and when the operator set allocator variables', () => {
    assert.match(mallocTrimSkipReason({}, 'darwin', undefined) ?? '', /platform darwin/);
    assert.equal(mallocTrimSkipReason({}, 'linux', undefined), 'not glibc');
    assert.match(mallocTrimSkipReason({ MALLOC_TRIM_THRESHOLD_: '1' }, 'linux', '2.36') ?? '', /MALLOC_TRIM_THRESHOLD_/);
    assert.match(mallocTrimSkipReason({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1' }, 'linux', '2.36') ?? '', /GLIBC_TUNABLES/);
    assert.equal(mallocTrimSkipReason({ MALLOC: 'x', PATH: '/bin' }, 'linux', '2.36'), undefined);
  });

  it('applies on Linux with glibc and leaves no gc() in the process', (t) => {
    if (process.platform !== 'linux' || glibcRuntimeVersion() === undefined) return t.skip('Linux with glibc only');
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k !== 'GLIBC_TUNABLES' && !(k.startsWith('MALLOC_') && k.endsWith('_'))),
    );
    const script = `
      import { runInNewContext } from 'node:vm';
      import { keepFreedMemory } from './src/cli/malloc-trim.ts';
      const skipped = keepFreedMemory();
      process.stdout.write(JSON.stringify({ skipped: skipped ?? null, here: typeof globalThis.gc, later: runInNewContext('typeof gc') }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env,
        encoding: 'utf8',
        cwd: new URL('../..', import.meta.url).pathname,
      }),
    ) as { skipped: string | null; here: string; later: string };
    assert.deepEqual(out, { skipped: null, here: 'undefined', later: 'undefined' });
    const refused = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...env, MALLOC_ARENA_MAX_: '2' },
        encoding: 'utf8',
        cwd: new URL('../..', import.meta.url).pathname,
      }),
    ) as { skipped: string | null };
    assert.match(refused.skipped ?? '', /MALLOC_ARENA_MAX_/);
  });
});
