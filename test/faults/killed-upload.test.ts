// Issue 17 items 7 and 8, with real `serve` processes on a real Distribution registry:
//  - item 7: an upload interrupted by a SIGKILL of its server stayed `pending` with no error, forever
//    (nobody could tell a dead upload from a running one). Now the upload holds a lease it renews while it
//    runs; once no server renewed it, the version reads `errored` with the reason, and a new upload URL
//    retries it. An upload that runs longer than the lease is never errored while it runs.
//  - item 8: the zips it had spooled stayed in the temp dir for ever. Now a server sweeps spooled files no
//    running upload touched within a lease, at start and after every upload.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DOCKER_REGISTRY_BIN, requireTool } from '../support/distribution.js';
import {
  detailOf,
  filesIn,
  generatePgpKey,
  heldBody,
  type PublishFaultStack,
  releaseTarball,
  startPublishFaultStack,
  startServe,
  uploadUrlOf,
  waitFor,
} from './publish-kit.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'zip');
const LEASE_S = 3;
const ENV = { TF_OCI_REGISTRY_PUBLISH_UPLOAD_LEASE: String(LEASE_S) };

describe('an upload whose server is killed', { skip: tools.skip ?? false }, () => {
  let stack: PublishFaultStack;
  let key: Awaited<ReturnType<typeof generatePgpKey>>;
  let spool = '';

  before(async () => {
    stack = await startPublishFaultStack();
    key = await generatePgpKey();
    spool = join(stack.tmp, 'tf-oci-registry');
  });
  after(async () => {
    await stack?.close();
  });

  it('is errored with the reason once its lease ends, its temp files are swept at the next start, and the retry works', async () => {
    const first = await startServe(stack, ENV);
    const ids = await first.client.setup('acme', 'widget', key);
    const created = await first.client.createVersion(ids, '1.0.0');
    assert.equal(created.status, 201, detailOf(created));
    const id = created.body.data.id as string;
    const tarball = await releaseTarball(key, {
      type: 'widget',
      version: '1.0.0',
      platforms: ['darwin_arm64', 'linux_amd64'],
      zipBytes: 1_500_000,
    });

    let go!: () => void;
    const held = heldBody(tarball, 1_000_000, new Promise<void>((r) => (go = r)));
    const put = first.client.put(uploadUrlOf(created), held).catch((err: unknown) => ({ status: 0, body: String(err) }));
    await waitFor(async () => (await filesIn(spool)).length > 0, 60_000, 'a zip spooled to the temp dir');
    await first.kill();
    go();
    assert.equal((await put).status, 0, 'the client lost its server');
    const leaked = await filesIn(spool);
    assert.ok(leaked.length > 0, 'the killed server left its spooled zip');

    // Right after the kill the lease still holds: pending (it might be running). Then errored, with why.
    await sleep(LEASE_S * 1000 + 1500);
    const second = await startServe(stack, ENV);
    try {
      await waitFor(async () => (await filesIn(spool)).length === 0, 20_000, `the start sweep removed ${leaked.join(', ')}`);
      const read = (await second.client.getVersion(id)).body.data.attributes;
      assert.equal(read.status, 'errored', JSON.stringify(read));
      assert.match((read['error-messages'] as string[]).join(' '), /upload stopped before it finished.*lease/);

      const renewed = await second.client.renewUrl(id);
      assert.equal(renewed.status, 200, detailOf(renewed));
      const again = await second.client.put(uploadUrlOf(renewed), tarball);
      assert.equal(again.status, 200, detailOf(again));
      assert.deepEqual(await filesIn(spool), []);
    } finally {
      await second.stop();
    }
  });

  it('an upload running longer than the lease renews it: never errored while it runs', async () => {
    const server = await startServe(stack, ENV);
    try {
      const ids = await server.client.setup('other', 'widget', key);
      const created = await server.client.createVersion(ids, '2.0.0');
      assert.equal(created.body.data.attributes.status, 'pending');
      assert.equal(created.status, 201, detailOf(created));
      const id = created.body.data.id as string;
      const tarball = await releaseTarball(key, { type: 'widget', version: '2.0.0', platforms: ['linux_amd64'], zipBytes: 1_500_000 });
      let go!: () => void;
      const put = server.client.put(uploadUrlOf(created), heldBody(tarball, 500_000, new Promise<void>((r) => (go = r))));
      await waitFor(async () => (await filesIn(spool)).length > 0, 60_000, 'a zip spooled to the temp dir');
      for (let i = 0; i < 3; i++) {
        await sleep(LEASE_S * 1000);
        const read = (await server.client.getVersion(id)).body.data.attributes;
        assert.equal(read.status, 'pending', JSON.stringify(read));
        assert.ok(Date.parse(read['upload-lease-expires-at']) > Date.now(), `a live lease: ${JSON.stringify(read)}`);
        const renew = await server.client.renewUrl(id);
        assert.equal(renew.status, 409, `no new URL while the upload runs: ${detailOf(renew)}`);
        assert.ok((await filesIn(spool)).length > 0, 'the running upload keeps its temp file');
      }
      go();
      const done = await put;
      assert.equal(done.status, 200, detailOf(done));
      assert.deepEqual(await filesIn(spool), []);
    } finally {
      await server.stop();
    }
  });
});
