// The temp sweep (src/core/temp-sweep.ts) on a real directory: only the given prefixes, only entries
// older than the limit, never a name the process says it is using, directories by their newest file.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sweepStaleDirectories, sweepStaleFiles } from './temp-sweep.js';

describe('temp sweep', () => {
  let dir: string;
  const now = Date.now();
  const age = async (name: string, ms: number) => utimes(join(dir, name), new Date(now - ms), new Date(now - ms));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tfoci-sweep-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes old files with the prefixes only, and keeps the names in use', async () => {
    for (const name of ['mirror-old.zip', 'mirror-busy.zip', 'mirror-new.zip', 'other-old.zip']) await writeFile(join(dir, name), 'x');
    await age('mirror-old.zip', 10_000);
    await age('mirror-busy.zip', 10_000);
    await age('other-old.zip', 10_000);
    const removed = await sweepStaleFiles(dir, ['mirror-'], 5_000, now, new Set(['mirror-busy.zip']));
    assert.deepEqual(removed, ['mirror-old.zip']);
    assert.deepEqual((await readdir(dir)).sort(), ['mirror-busy.zip', 'mirror-new.zip', 'other-old.zip']);
  });

  it('removes a directory only when its newest file is old too', async () => {
    await mkdir(join(dir, 'work-a'));
    await mkdir(join(dir, 'work-b'));
    await writeFile(join(dir, 'work-a', 'f'), 'x');
    await writeFile(join(dir, 'work-b', 'f'), 'x');
    for (const p of ['work-a/f', 'work-a', 'work-b']) await age(p, 10_000);
    await age('work-b/f', 1_000);
    assert.deepEqual(await sweepStaleDirectories(dir, ['work-'], 5_000, now), ['work-a']);
  });

  it('a missing directory is no error', async () => {
    assert.deepEqual(await sweepStaleFiles(join(dir, 'missing'), ['mirror-'], 0, now), []);
  });
});
