// Security rule: every route that takes a request body bounds it. For each POST, PUT and PATCH route the
// application lists (so a new body route is covered without editing this test), 64 MiB are streamed
// without a Content-Length; the server must answer a JSON:API 4xx having pulled well under that (the
// limits here: JSON documents 1 MiB, uploads 256 KiB, then at most MAX_DRAIN_BYTES drained after a
// refusal), and 413 where the route takes the body at all.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Client } from 'undici';
import { MAX_DRAIN_BYTES } from '../../src/core/byte-limit.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { serveApp } from '../faults/fault-kit.js';
import { buildTestApp } from '../support/test-app.js';

const SENT = 64 * 1024 * 1024;
/** What a bounded server may have pulled: the largest limit, the drain after a refusal, socket buffers. */
const MAX_PULLED = MAX_DRAIN_BYTES + 8 * 1024 * 1024;

function body(counter: { pulled: number }): Readable {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  return Readable.from(
    (function* () {
      while (counter.pulled < SENT) {
        counter.pulled += chunk.length;
        yield chunk;
      }
    })(),
  );
}

describe('request size limits on every body route', () => {
  const t = buildTestApp(createMemoryStore(), {
    prefix: 'tf',
    limits: { maxCompressedBytes: 256 * 1024, maxSmallFileBytes: 64 * 1024 },
    moduleLimits: { maxUploadBytes: 256 * 1024 },
  });
  let served: Awaited<ReturnType<typeof serveApp>>;
  const ids: Record<string, string> = {};

  before(async () => {
    served = await serveApp(t);
    const create = async (path: string, data: unknown): Promise<string> => {
      const res = await fetch(`${served.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.api+json' },
        body: JSON.stringify({ data }),
      });
      const doc = (await res.json()) as { data: { id: string } };
      assert.equal(res.status, 201, JSON.stringify(doc));
      return doc.data.id;
    };
    ids['providers'] = await create('/api/v1/providers', { type: 'providers', attributes: { namespace: 'acme', name: 'widget' } });
    ids['modules'] = await create('/api/v1/modules', { type: 'modules', attributes: { namespace: 'acme', name: 'net', system: 'aws' } });
  });
  after(() => served?.close());

  it('streams 64 MiB to each; each answers a JSON:API 4xx having read a bounded amount', { timeout: 10 * 60_000 }, async () => {
    const routes = t.app.routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
    assert.ok(routes.length >= 13, `only ${routes.length} body routes`);
    const report: string[] = [];
    for (const route of routes) {
      const collection = route.path.split('/')[3] ?? '';
      // A real id where one exists (the route then reads the body); elsewhere an unknown one.
      const path = route.path
        .replace(':id', ids[collection] ?? 'unknown-id')
        .replace(':version', '1.0.0')
        .replace(':filename', 'terraform-provider-widget_1.0.0_linux_amd64.zip')
        .replace(':token', 'AQ-unknown-token');
      const counter = { pulled: 0 };
      const json = route.path.startsWith('/api/v1/') && !/uploads|\/files\/|\/versions\/:version$/.test(route.path);
      const client = new Client(served.base);
      const res = await client
        .request({
          path,
          method: route.method as 'POST',
          headers: { 'content-type': json ? 'application/vnd.api+json' : 'application/octet-stream' },
          body: body(counter),
        })
        .catch((err: unknown) => err as Error)
        .finally(() => void client.close().catch(() => undefined));
      if (res instanceof Error) {
        // An upload refused mid-stream is drained up to MAX_DRAIN_BYTES so the client can read its 413, then
        // the connection is closed: a client still sending past that sees a reset, having sent a bounded amount.
        assert.ok(!json && /ECONNRESET|EPIPE|other side closed/.test(res.message), `${route.method} ${route.path}: ${res.message}`);
        assert.ok(counter.pulled < MAX_PULLED, `${route.method} ${route.path}: pulled ${counter.pulled} bytes before the reset`);
        report.push(
          `${route.method} ${route.path} -> connection closed after the drain limit, pulled ${(counter.pulled / 1048576).toFixed(1)} MiB`,
        );
        continue;
      }
      const text = await res.body.text();
      report.push(`${route.method} ${route.path} -> ${res.statusCode}, pulled ${(counter.pulled / 1048576).toFixed(1)} MiB`);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${route.method} ${route.path}: ${res.statusCode} ${text.slice(0, 200)}`);
      if (/^text\/html/.test(String(res.headers['content-type'] ?? ''))) {
        // A web page's form (docs/web.md) refuses a browser with an HTML page naming the problem.
        assert.ok(route.path.startsWith('/ui/'), `${route.method} ${route.path}: an HTML answer outside the web pages`);
        assert.match(text, /<title>[^<]+<\/title>/, `${route.method} ${route.path}: an HTML refusal without a title`);
      } else {
        const detail = (JSON.parse(text) as { errors?: Array<{ detail?: string }> }).errors?.[0]?.detail;
        assert.ok(detail, `${route.method} ${route.path}: no error detail: ${text.slice(0, 200)}`);
      }
      if (counter.pulled >= MAX_PULLED) process.stdout.write(`# ${report.join('\n# ')}\n`);
      assert.ok(counter.pulled < MAX_PULLED, `${route.method} ${route.path}: pulled ${counter.pulled} bytes`);
      const takesBody = json ? !route.path.includes(':id') || ids[collection] !== undefined : route.path.includes('/modules/');
      if (takesBody) assert.equal(res.statusCode, 413, `${route.method} ${route.path}: ${text.slice(0, 200)}`);
    }
    process.stdout.write(`# ${report.join('\n# ')}\n`);
  });
});
