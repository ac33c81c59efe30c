// Issue 17 item 9: capabilities in the log. Download tickets and upload tokens are bearer capabilities
// (whoever holds the URL may use it), so no log line may carry one: access lines log the route and a path
// with the capability replaced by "…", and refusals ("request refused", 404s quoting the path) never
// quote it either. Every request goes through the real application served by a Node HTTP server, and
// through app.request (the Hono entry), and every log line is searched.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accessPath } from '../../src/http/pipeline/request-log.js';
import { redactCapabilities } from '../../src/http/pipeline/request-log.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { buildTestApp } from '../support/test-app.js';
import { downloadPath, publishLargeRelease, serveApp } from './fault-kit.js';

describe('capabilities never reach the log', () => {
  const store = createMemoryStore();
  const t = buildTestApp(store, { prefix: 'tf' });
  let served: Awaited<ReturnType<typeof serveApp>>;
  let ticket = '';

  before(async () => {
    await publishLargeRelease(store, 1024);
    served = await serveApp(t);
    ticket = (await downloadPath(served.base)).split('/')[2] ?? '';
    assert.ok(ticket.length > 40, 'a sealed ticket');
  });
  after(() => served?.close());

  // A well-formed but unknown upload token, and a ticket with one character changed.
  const uploadToken = `AQ${'x'.repeat(60)}Zz`;
  const tampered = (): string => `${ticket.slice(0, -3)}${ticket.endsWith('AAA') ? 'BBB' : 'AAA'}`;

  function requests(): Array<{ method: string; path: string; body?: string }> {
    return [
      { method: 'GET', path: `/download/${ticket}/terraform-provider-widget_1.0.0_linux_amd64.zip` },
      { method: 'HEAD', path: `/download/${ticket}/x.zip` },
      { method: 'GET', path: `/download/${ticket}` }, // no file name: 404 "no route for GET /download/<ticket>"
      { method: 'GET', path: `/download/${tampered()}/x.zip` }, // 403 refused
      { method: 'GET', path: `/download/pull/${ticket}/x.zip` },
      { method: 'GET', path: `/download/m/nosuch/${ticket}/x.zip` },
      { method: 'POST', path: `/download/${ticket}/x.zip` },
      { method: 'PUT', path: `/api/v1/uploads/${uploadToken}`, body: 'not a tarball' },
      { method: 'GET', path: `/api/v1/uploads/${uploadToken}` },
    ];
  }

  function secrets(): string[] {
    return [ticket, tampered(), uploadToken];
  }

  function leaks(lines: readonly string[]): string[] {
    return lines.filter((l) => secrets().some((s) => l.includes(s)));
  }

  it('over the Node server: access lines and refusals carry no ticket and no upload token', async () => {
    const from = t.logLines.length;
    for (const r of requests()) {
      const res = await fetch(served.base + r.path, { method: r.method, ...(r.body ? { body: r.body } : {}) });
      await res.arrayBuffer();
    }
    const lines = t.logLines.slice(from);
    const access = lines.filter((l) => l.includes('"msg":"request"'));
    assert.equal(access.length, requests().length, 'one access line per request');
    assert.deepEqual(leaks(lines), []);
    assert.ok(
      access.some((l) => l.includes('"path":"/api/v1/uploads/…"') && l.includes('"route":"/api/v1/uploads/:token"')),
      'the upload access line names the route and a redacted path',
    );
    assert.ok(
      lines.some((l) => l.includes('request refused')),
      'refusals were logged (without the capability)',
    );
  });

  it('keeps the providers.v1 download path whole: it names an OS, not a ticket', async () => {
    const from = t.logLines.length;
    const path = '/v1/providers/acme/widget/1.0.0/download/linux/amd64';
    const res = await fetch(served.base + path);
    await res.arrayBuffer();
    const access = t.logLines.slice(from).filter((l) => l.includes('"msg":"request"'));
    assert.equal(access.length, 1);
    assert.ok(access[0]!.includes(`"path":"${path}"`), access[0]);
  });

  it('through app.request: the same', async () => {
    const from = t.logLines.length;
    for (const r of requests()) {
      const res = await t.app.request(r.path, { method: r.method, ...(r.body ? { body: r.body } : {}) });
      await res.arrayBuffer();
    }
    assert.deepEqual(leaks(t.logLines.slice(from)), []);
  });

  it('redacts the capability segment of every download and upload path form, and nothing else', () => {
    const cases: Array<[string, string]> = [
      ['/download/T0k-en_1/f.zip', '/download/…/f.zip'],
      ['/download/T0k', '/download/…'],
      ['/download/pull/T0k/f.zip', '/download/pull/…/f.zip'],
      ['/download/m/svc/T0k/f.zip', '/download/m/svc/…/f.zip'],
      ['/download/m/svc/pull/T0k/f.zip', '/download/m/svc/pull/…/f.zip'],
      ['no route for GET /download/T0k', 'no route for GET /download/…'],
      ['PUT /api/v1/uploads/T0k is not covered by the permission table', 'PUT /api/v1/uploads/… is not covered by the permission table'],
      ['/download/…/f.zip', '/download/…/f.zip'],
      // Already redacted (the access line's path): applied again it changes nothing.
      ['/download/m/svc/…/f.zip', '/download/m/svc/…/f.zip'],
      ['/download/pull/…/f.zip', '/download/pull/…/f.zip'],
      ['/download/m/svc/pull/…/f.zip', '/download/m/svc/pull/…/f.zip'],
      ['/v1/providers/acme/widget/versions', '/v1/providers/acme/widget/versions'],
      // The providers.v1 download endpoint: "/download/" followed by an OS, never a ticket.
      ['/v1/providers/acme/widget/1.0.0/download/linux/amd64', '/v1/providers/acme/widget/1.0.0/download/linux/amd64'],
      [
        'no route for GET /v1/providers/acme/widget/1.0.0/download/linux',
        'no route for GET /v1/providers/acme/widget/1.0.0/download/linux',
      ],
      ['GET /v1/providers/acme/widget/download/T0k/f.zip', 'GET /v1/providers/acme/widget/download/…/f.zip'],
    ];
    for (const [input, want] of cases) assert.equal(redactCapabilities(input), want, input);
  });

  it('access lines: a path answered by a route without a capability parameter is logged as it is', () => {
    assert.equal(
      accessPath('/v1/providers/a/b/1.0.0/download/linux/amd64', '/v1/providers/:namespace/:type/:version/download/:os/:arch'),
      '/v1/providers/a/b/1.0.0/download/linux/amd64',
    );
    assert.equal(accessPath('/download/T0k/f.zip', '/download/:token/:filename'), '/download/…/f.zip');
    assert.equal(accessPath('/api/v1/uploads/T0k', '/api/v1/uploads/:token'), '/api/v1/uploads/…');
    // No route answered (a 404 or a refusal): redacted, whatever the path.
    assert.equal(accessPath('/download/T0k', undefined), '/download/…');
  });
});
