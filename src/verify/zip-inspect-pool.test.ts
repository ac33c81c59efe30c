import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVerifyError } from './errors.js';
import { inspectZip } from './zip-inspect.js';
import { InspectWorkerGone, ZipInspectPool } from './zip-inspect-pool.js';

const hasZip = spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
const zipSkip = hasZip || process.env.CI ? false : 'zip CLI not installed: SKIPPED';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zippool-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A real zip (zip CLI, deflated) holding `files`. */
function zipOf(name: string, files: Record<string, Buffer>): string {
  for (const [f, data] of Object.entries(files)) writeFileSync(join(dir, f), data);
  execFileSync('zip', ['-q', name, ...Object.keys(files)], { cwd: dir });
  return join(dir, name);
}

test('ZipInspectPool: the same inspection as inspectZip, on worker threads, many jobs at once', { skip: zipSkip }, async () => {
  const pool = new ZipInspectPool({ size: 2 });
  try {
    const zips = Array.from({ length: 5 }, (_, i) =>
      zipOf(`p${i}.zip`, {
        [`terraform-provider-x${i}`]: Buffer.concat([randomBytes(300_000), Buffer.alloc(300_000)]),
        [`README${i}.md`]: Buffer.from('hi'),
      }),
    );
    const got = await Promise.all(zips.map((z) => pool.inspect(z)));
    for (const [i, z] of zips.entries()) assert.deepEqual(got[i], await inspectZip(z));
  } finally {
    await pool.close();
  }
});

test('ZipInspectPool: errors keep their kind: VerifyError codes, errno codes, limits', { skip: zipSkip }, async () => {
  const pool = new ZipInspectPool({ size: 1 });
  try {
    const text = join(dir, 'text.zip');
    writeFileSync(text, 'this is not a zip file\n'.repeat(10));
    await assert.rejects(pool.inspect(text), (e: unknown) => isVerifyError(e, 'NOT_A_ZIP') && /not a zip file/.test(e.message));
    await assert.rejects(pool.inspect(join(dir, 'missing.zip')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
    const big = zipOf('big.zip', { 'terraform-provider-big': Buffer.alloc(10_000) });
    await assert.rejects(pool.inspect(big, { maxUncompressedBytes: 100 }), (e: unknown) => isVerifyError(e, 'TOO_LARGE'));
    // The worker is still usable after failed jobs.
    assert.equal((await pool.inspect(big)).entries[0]?.size, 10_000);
  } finally {
    await pool.close();
  }
});

test('ZipInspectPool: a job running when the pool closes fails instead of hanging', { skip: zipSkip }, async () => {
  const pool = new ZipInspectPool({ size: 1 });
  const z = zipOf('c.zip', { 'terraform-provider-c': randomBytes(2_000_000) });
  const job = pool.inspect(z);
  await pool.close();
  await job.then(
    (r) => assert.equal(r.entries.length, 1), // it may have finished first
    (e: Error) => assert.ok(e instanceof InspectWorkerGone && /worker exited/.test(e.message), String(e)),
  );
});
