// A download client that stops reading is cut after server.request_timeout, whichever store serves the
// bytes: the wiring (src/wiring/server-app.ts) hands request_timeout to the download routes, and
// sendStream (src/http/node-io.ts) applies it to every body. Here the embedded layout store, whose file
// streams have no timeout of their own (a registry store's pooled bodies time their own silence): before
// the wiring passed it, a layout download waited for the fixed 30 s default whatever request_timeout said.
// Real application as `serve` builds it, real Node HTTP server, a raw-socket client that reads nothing.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { createLogger, createServerApp } from '../../src/wiring/server-app.js';
import { testConfig } from '../support/test-app.js';
import { downloadPath, publishLargeRelease, serveApp, stalledGet, waitFor } from './fault-kit.js';

const REQUEST_TIMEOUT_S = 1;
const ZIP_BYTES = 32 * 1024 * 1024; // far more than the socket buffers between server and client

describe('a download client that stops reading, on the layout store', () => {
  let dir = '';
  let served: Awaited<ReturnType<typeof serveApp>> | undefined;
  const lines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tfoci-idle-'));
    const store = createLayoutStore({ path: dir });
    await publishLargeRelease(store, ZIP_BYTES);
    const base = testConfig();
    const config = { ...base, server: { ...base.server, requestTimeout: REQUEST_TIMEOUT_S } };
    const logger = createLogger(
      'debug',
      new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    served = await serveApp(createServerApp(config, logger, store));
  });
  after(async () => {
    await served?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is cut after request_timeout, not the 30 s default', async () => {
    const path = await downloadPath(served!.base);
    const connections = () =>
      new Promise<number>((resolve, reject) => served!.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    const client = stalledGet(served!.base, path);
    try {
      // A paused client socket does not notice the close (fault-kit.ts): the server's side is watched.
      await waitFor(async () => (await connections()) === 1, 5_000, 'the download to start');
      const waited = await waitFor(async () => (await connections()) === 0, 10_000, 'the stalled download to be cut');
      assert.ok(waited >= REQUEST_TIMEOUT_S * 1000 * 0.5, `cut after ${waited.toFixed(0)} ms, long before request_timeout`);
      const cut = lines.find((l) => l.includes('client stopped reading the download'));
      assert.ok(cut, 'the cut is logged');
      assert.match(cut, new RegExp(`the reader took no data for ${REQUEST_TIMEOUT_S} s`));
      assert.equal((JSON.parse(cut) as { idleMs: number }).idleMs, REQUEST_TIMEOUT_S * 1000);
    } finally {
      client.socket.destroy();
    }
  });
});
