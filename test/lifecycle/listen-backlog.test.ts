// The listening socket's backlog (src/cli/serve.ts LISTEN_BACKLOG): 1,000 clients connecting at once must
// not overflow the kernel's accept queue (Node's default of 511 did: dropped SYNs, retried after 1 and 3 s).
// `ss -ltn` shows a listening socket's backlog in its Send-Q column; the kernel caps it at
// net.core.somaxconn.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const run = promisify(execFile);

describe('the listening socket', () => {
  let server: ServerProcess;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tfoci-backlog-'));
    server = await startServerProcess({ https: false, env: { TF_OCI_REGISTRY_STORAGE_PATH: join(dir, 'data') } });
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('queues up to 4096 connections (or the kernel cap, net.core.somaxconn)', async () => {
    const somaxconn = Number((await readFile('/proc/sys/net/core/somaxconn', 'utf8')).trim());
    const { stdout } = await run('ss', ['-ltnH', `sport = :${server.port}`]);
    // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
    const fields = stdout.trim().split(/\s+/);
    assert.equal(fields[0], 'LISTEN', stdout);
    assert.equal(Number(fields[2]), Math.min(4096, somaxconn), `ss: ${stdout}`);
  });
});
