// The commands at the top of bench/experiments/hot-request.ts and metadata-ab.ts (cited by
// bench/findings.md) run as written, on small sizes: each exits 0 and prints its measurements, and
// hot-request's access log on standard output holds one line per request it made.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { requireTool } from '../support/distribution.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

describe('bench/experiments commands', () => {
  it('hot-request.ts <document> > log: CPU per request on stderr, one access line per request in the log', {
    skip: requireTool('gpg', 'zip').skip,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hot-request-'));
    try {
      const log = join(dir, 'hot-request.log');
      // As documented (`… hot-request.ts index > /tmp/hot-request.log`), through a shell for the redirection.
      const { stderr } = await run('sh', ['-c', `node --import tsx bench/experiments/hot-request.ts version > '${log}'`], {
        cwd: root,
        env: { ...process.env, N: '640', REPS: '2' },
        timeout: 120_000,
      });
      assert.match(stderr, /GET \/mirror\/[^ ]+\/acme\/widget\/1\.2\.0\.json: 200/);
      assert.equal(stderr.match(/[\d.]+ CPU µs\/request \(system [\d.]+\)/g)?.length, 2, stderr);
      const lines = (await readFile(log, 'utf8')).split('\n').filter((l) => l.includes('"msg":"request"'));
      // 50 warm-up requests, then 2 × 640.
      assert.equal(lines.length, 50 + 2 * 640);
      assert.match(lines.at(-1)!, /"route":"\/mirror\/:hostname\/:namespace\/:type\/:file","status":200/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('metadata-ab.ts: medians per document and side, the Node floor beside them', {
    skip: requireTool('docker-registry', 'wrk').skip,
  }, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/experiments/metadata-ab.ts'], {
      cwd: root,
      env: { ...process.env, SIDES: '[{"name":"head"}]', DOCS: 'index,versions', ROUNDS: '1', SECS: '1' },
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const doc of ['index', 'versions']) {
      for (const side of ['head', 'Node floor']) {
        assert.match(stdout, new RegExp(`^${doc} ${side}: median [\\d.]+ CPU µs/req \\[[\\d.]+\\]$`, 'm'), stdout);
      }
    }
  });
});
