// Issue 17 items 2 and 5: registry faults at exact points of a publish, injected by the fault proxy in
// front of the real Distribution registry, the application served by a real Node HTTP server.
//  - item 2: a fault between the version tag push and the record update left the version served but
//    `pending` in the API, and the documented retry (new upload URL, PUT) was refused with 409;
//  - item 5: a reset while the 2nd zip streams answered 500 "internal error" (or 422 "not a valid tar
//    archive", the version marked `errored` as if the tarball were bad).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOCKER_REGISTRY_BIN, requireTool } from '../support/distribution.js';
import {
  detailOf,
  filesIn,
  generatePgpKey,
  type PublishFaultStack,
  releaseTarball,
  serveInProcess,
  startPublishFaultStack,
  uploadUrlOf,
} from './publish-kit.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'zip');

describe('publishing through registry faults at exact points', { skip: tools.skip ?? false }, () => {
  let stack: PublishFaultStack;
  let server: Awaited<ReturnType<typeof serveInProcess>>;
  let key: Awaited<ReturnType<typeof generatePgpKey>>;
  let ids: { providerId: string; keyId: string };

  before(async () => {
    stack = await startPublishFaultStack();
    server = await serveInProcess(stack);
    key = await generatePgpKey();
    ids = await server.client.setup('acme', 'widget', key);
  });
  after(async () => {
    await server?.close();
    await stack?.close();
  });

  it('item 2: a reset between the tag push and the record update leaves the version uploaded, and the retry works', async () => {
    const { client } = server;
    const created = await client.createVersion(ids, '1.0.0');
    assert.equal(created.status, 201, detailOf(created));
    const id = created.body.data.id as string;
    const tarball = await releaseTarball(key, { type: 'widget', version: '1.0.0', platforms: ['linux_amd64'], zipBytes: 10_000 });

    let tagPushed = false;
    let cut = 0;
    stack.proxy.onRequest = (line) => {
      if (/^PUT \/v2\/\S+\/acme\/widget\/manifests\/1\.0\.0 /.test(line)) tagPushed = true;
      else if (tagPushed && /^PUT \/v2\/tf\/records\/manifests\/version\./.test(line)) {
        cut++;
        return 'reset';
      }
      return undefined;
    };
    const first = await client.put(uploadUrlOf(created), tarball);
    stack.proxy.onRequest = undefined;
    assert.ok(tagPushed && cut > 0, `the fault was injected (tag pushed: ${tagPushed}, record writes cut: ${cut})`);
    assert.ok(first.status >= 502 && first.status <= 504, `${first.status} ${detailOf(first)}`);
    assert.match(detailOf(first), /registry/i);

    // The tag is there: the version is served, so the API says uploaded, with its platforms.
    const listed = await client.call('GET', '/v1/providers/acme/widget/versions');
    assert.deepEqual(
      listed.body.versions.map((v: { version: string }) => v.version),
      ['1.0.0'],
    );
    const read = await client.getVersion(id);
    assert.equal(read.status, 200);
    assert.equal(read.body.data.attributes.status, 'uploaded', JSON.stringify(read.body.data.attributes));
    assert.deepEqual(
      read.body.data.attributes.platforms.map((p: { os: string; arch: string }) => `${p.os}_${p.arch}`),
      ['linux_amd64'],
    );

    // The documented retry: a new upload URL, then the same PUT, answers 200 (nothing left to do).
    const renewed = await client.renewUrl(id);
    assert.ok(renewed.status === 200 || renewed.status === 201, `${renewed.status} ${detailOf(renewed)}`);
    const again = await client.put(uploadUrlOf(renewed), tarball);
    assert.equal(again.status, 200, detailOf(again));
    assert.equal(again.body.data.attributes.status, 'uploaded');
    // Another release under the same version is refused: versions are immutable.
    const other = await releaseTarball(key, { type: 'widget', version: '1.0.0', platforms: ['linux_amd64'], zipBytes: 10_000 });
    const renewed2 = await client.renewUrl(id);
    if (renewed2.status === 200 || renewed2.status === 201) {
      const refused = await client.put(uploadUrlOf(renewed2), other);
      assert.equal(refused.status, 409, detailOf(refused));
    } else assert.equal(renewed2.status, 409, detailOf(renewed2));
    assert.equal((await client.getVersion(id)).body.data.attributes.platforms[0].shasum, read.body.data.attributes.platforms[0].shasum);
    assert.deepEqual(await filesIn(server.tmpDir), []);
  });

  const points: Array<[string, RegExp, 'reset' | { resetAfterBytes: number }]> = [
    ['30 kB into the 2nd zip', /^PATCH \/v2\/\S+\/acme\/widget\/blobs\/uploads\//, { resetAfterBytes: 30_000 }],
    ['300 kB into the 2nd zip', /^PATCH \/v2\/\S+\/acme\/widget\/blobs\/uploads\//, { resetAfterBytes: 300_000 }],
    ['when the registry dies 100 kB into the 2nd zip', /^PATCH \/v2\/\S+\/acme\/widget\/blobs\/uploads\//, { resetAfterBytes: 100_000 }],
    ['at the start of the 2nd zip', /^POST \/v2\/\S+\/acme\/widget\/blobs\/uploads\//, 'reset'],
  ];
  for (const [where, re, fault] of points) {
    it(`item 5: a reset ${where} answers 502 naming the registry, and the version stays retryable`, async () => {
      const { client } = server;
      const version = `2.0.${points.findIndex((p) => p[0] === where)}`;
      const created = await client.createVersion(ids, version);
      assert.equal(created.status, 201, detailOf(created));
      const id = created.body.data.id as string;
      const tarball = await releaseTarball(key, {
        type: 'widget',
        version,
        platforms: ['darwin_arm64', 'linux_amd64', 'windows_amd64'],
        zipBytes: 1_500_000,
      });
      let seen = 0;
      let dead = false;
      stack.proxy.onRequest = (line) => {
        if (dead) return 'reset';
        if (!re.test(line) || ++seen !== 2) return undefined;
        if (where.includes('dies')) dead = true;
        return fault;
      };
      const first = await client.put(uploadUrlOf(created), tarball);
      stack.proxy.onRequest = undefined;
      assert.ok(seen >= 2, `the 2nd zip was streaming (${seen} requests seen)`);
      assert.ok(first.status >= 502 && first.status <= 504, `${first.status} ${detailOf(first)}`);
      assert.match(detailOf(first), /registry/i);
      assert.doesNotMatch(detailOf(first), /internal error|tar archive|gzip/);

      // A registry that died cannot take the reason: the record says so once the upload's lease ended.
      if (where.includes('dies')) server.app.clock.now += 301_000;
      const read = (await client.getVersion(id)).body.data.attributes;
      assert.equal(read.status, 'errored');
      const messages = (read['error-messages'] as string[]).join(' ');
      assert.match(messages, /registry/i, JSON.stringify(read));
      assert.doesNotMatch(messages, /tar archive|gzip|checksum|signature/);

      const renewed = await client.renewUrl(id);
      assert.ok(renewed.status === 200 || renewed.status === 201, `${renewed.status} ${detailOf(renewed)}`);
      const again = await client.put(uploadUrlOf(renewed), tarball);
      assert.equal(again.status, 200, detailOf(again));
      assert.deepEqual(await filesIn(server.tmpDir), []);
    });
  }
});
