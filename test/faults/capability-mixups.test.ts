// Issue 17 item 10: 500 instead of 4xx on download URLs. An upload token used as a download ticket (GET,
// HEAD, and on the pull-through route) must be a 403 naming the problem, a download ticket used as an
// upload URL too, and no bad download name or ticket may answer 5xx. Real Distribution registry, the
// application served by a real Node HTTP server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOCKER_REGISTRY_BIN, requireTool } from '../support/distribution.js';
import { downloadPath, publishLargeRelease } from './fault-kit.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { detailOf, generatePgpKey, type PublishFaultStack, serveInProcess, startPublishFaultStack, uploadUrlOf } from './publish-kit.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'zip');

describe('capabilities used for the wrong thing, and bad download names', { skip: tools.skip ?? false }, () => {
  let stack: PublishFaultStack;
  let server: Awaited<ReturnType<typeof serveInProcess>>;
  let uploadToken = '';
  let ticketPath = '';

  before(async () => {
    stack = await startPublishFaultStack();
    await publishLargeRelease(createRegistryStore({ url: stack.reg.url, plainHttp: true }), 50_000);
    server = await serveInProcess(stack);
    ticketPath = await downloadPath(server.base);
    const key = await generatePgpKey();
    const ids = await server.client.setup('acme', 'gadget', key);
    const created = await server.client.createVersion(ids, '1.0.0');
    assert.equal(created.status, 201, detailOf(created));
    uploadToken = new URL(uploadUrlOf(created)).pathname.split('/').pop()!;
  });
  after(async () => {
    await server?.close();
    await stack?.close();
  });

  it('an upload token used as a download ticket is a 403 naming it, on GET, HEAD and the pull route', async () => {
    for (const [method, path] of [
      ['GET', `/download/${uploadToken}/x.zip`],
      ['HEAD', `/download/${uploadToken}/x.zip`],
      ['GET', `/download/pull/${uploadToken}/x.zip`],
    ] as const) {
      const res = await fetch(server.base + path, { method });
      const text = await res.text();
      assert.equal(res.status, 403, `${method} ${path.slice(0, 30)}…: ${res.status} ${text}`);
      if (method === 'GET') assert.match(text, /not a (mirror )?download URL/);
    }
  });

  it('a download ticket used as an upload URL is a 403', async () => {
    const ticket = ticketPath.split('/')[2]!;
    const res = await server.client.put(`https://example.test/api/v1/uploads/${ticket}`, Buffer.from('x'));
    assert.equal(res.status, 403, detailOf(res));
    assert.match(detailOf(res), /not an upload URL/);
  });

  it('no bad download name or ticket answers 5xx', async () => {
    const ticket = ticketPath.split('/')[2]!;
    const paths = [
      `/download/${ticket}/%00.zip`,
      `/download/${ticket}/%E2%80%AE.zip`,
      `/download/${ticket}/%2e%2e`,
      `/download/${ticket}/a%2Fb.zip`,
      `/download/${ticket}/%ZZ.zip`,
      `/download/${ticket}/${'a'.repeat(5000)}.zip`,
      `/download/${ticket}/`,
      `/download/${ticket}`,
      `/download/%00/x.zip`,
      `/download/%ZZ/x.zip`,
      `/download/${'A'.repeat(20_000)}/x.zip`,
      `/download/${ticket.slice(0, -3)}abc/x.zip`,
      `/download/${ticket}.${ticket}/x.zip`,
      `/download/pull/${ticket}/x.zip`,
      `/download/pull/%00/x.zip`,
      `/download/m/nope/${ticket}/x.zip`,
      '/download/',
      '/download//x.zip',
    ];
    const bad: string[] = [];
    for (const path of paths) {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(server.base + path, { method, signal: AbortSignal.timeout(30_000) });
        await res.arrayBuffer();
        if (res.status >= 500) bad.push(`${method} ${path.slice(0, 60)}: ${res.status}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
