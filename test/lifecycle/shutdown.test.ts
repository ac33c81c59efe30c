// Graceful shutdown of the REAL server process over the REAL Distribution registry: on SIGTERM it stops
// accepting connections, lets a slow upload that finishes within server.shutdown_timeout complete (the
// version is served afterwards) and exits 0; an upload still running at the deadline is cut and its
// version ends `errored` with the reason, not `pending`; a second signal exits at once. Plus the
// structured start-up line, and /readyz answering 503 "draining" once draining starts.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { DOCKER_REGISTRY_BIN, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { buildTestApp } from '../support/test-app.js';
import { generatePgpKey, type PgpKey } from '../publish/pgp.js';
import { buildRelease, entriesOf, tarGz } from '../publish/release-fixture.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'zip');
const JSON_API = 'application/vnd.api+json';

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? {} : { 'content-type': JSON_API },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

/** Creates key, provider and version; returns the upload URL and version id. */
async function createVersion(base: string, key: PgpKey, namespace: string, version: string): Promise<{ upload: string; id: string }> {
  const k = await api(base, 'POST', '/api/v1/gpg-keys', {
    data: { type: 'gpg-keys', attributes: { namespace, name: 'k', 'ascii-armor': key.armoredPublic } },
  });
  assert.equal(k.status, 201, JSON.stringify(k.body));
  const p = await api(base, 'POST', '/api/v1/providers', { data: { type: 'providers', attributes: { namespace, name: 'widget' } } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const v = await api(base, 'POST', '/api/v1/provider-versions', {
    data: {
      type: 'provider-versions',
      attributes: { version },
      relationships: {
        provider: { data: { type: 'providers', id: p.body.data.id } },
        'gpg-key': { data: { type: 'gpg-keys', id: k.body.data.id } },
      },
    },
  });
  assert.equal(v.status, 201, JSON.stringify(v.body));
  return { upload: v.body.data.links.upload as string, id: v.body.data.id as string };
}

/** A PUT whose body is sent by the caller piece by piece; `response` settles with the status and body. */
function slowPut(url: string, length: number) {
  const u = new URL(url);
  const req = httpRequest({
    host: u.hostname,
    port: u.port,
    path: u.pathname,
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) },
  });
  const response = new Promise<{ status: number; text: string } | { error: string }>((resolve) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('error', (err) => resolve({ error: err.message }));
  });
  return { write: (b: Buffer) => new Promise<void>((r) => req.write(b, () => r())), end: (b: Buffer) => req.end(b), response };
}

async function refusesConnections(base: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(new URL('/healthz', base), { signal: AbortSignal.timeout(2000) });
    } catch {
      return true;
    }
    await sleep(100);
  }
  return false;
}

describe('graceful shutdown of the server process', tools, () => {
  let reg: Distribution;
  let key: PgpKey;
  let tarball: (version: string) => Promise<Buffer>;
  const servers: ServerProcess[] = [];
  const start = async (shutdownTimeout: number) => {
    const s = await startServerProcess({
      https: false,
      env: {
        TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
        TF_OCI_REGISTRY_STORAGE_URL: reg.url,
        TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true',
        TF_OCI_REGISTRY_STORAGE_PREFIX: 'tf',
        TF_OCI_REGISTRY_AUTH_MODE: 'none',
        TF_OCI_REGISTRY_SERVER_SECRETS: 'lifecycle-test-secret-0123456789',
        TF_OCI_REGISTRY_SERVER_SHUTDOWN_TIMEOUT: String(shutdownTimeout),
        TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: 'registry.example.test',
      },
    });
    servers.push(s);
    return s;
  };

  before(async () => {
    reg = await startDistribution();
    key = await generatePgpKey();
    tarball = async (version) =>
      tarGz(
        entriesOf(await buildRelease({ type: 'widget', version, platforms: [{ os: 'linux', arch: 'amd64' }], sign: (d) => key.sign(d) })),
      );
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await reg?.stop();
  });

  it('logs one structured start-up line', async () => {
    const s = await start(30);
    const line = s.logs
      .join('')
      .split('\n')
      .find((l) => l.includes('"msg":"started"'));
    assert.ok(line, s.logs.join(''));
    const fields = JSON.parse(line) as Record<string, unknown>;
    assert.equal(fields['storageKind'], 'registry');
    assert.equal(fields['store'], reg.url);
    assert.equal(fields['authMode'], 'none');
    assert.equal(fields['shutdownTimeout'], 30);
    assert.equal(fields['port'], s.port);
    assert.match(String(fields['version']), /^\d+\.\d+\.\d+/);
    s.signal('SIGTERM');
    assert.deepEqual(await s.exited, { code: 0, signal: null });
  });

  it('a slow upload across SIGTERM completes within the deadline; the process then exits 0 and the version is served', async () => {
    const s = await start(30);
    const { upload, id } = await createVersion(s.url, key, 'drain', '1.0.0');
    const body = await tarball('1.0.0');
    const put = slowPut(upload, body.length);
    const half = Math.floor(body.length / 2);
    await put.write(body.subarray(0, half));
    await sleep(500);
    s.signal('SIGTERM');
    assert.ok(await refusesConnections(s.url), 'no new connection is accepted while draining');
    await sleep(1000);
    put.end(body.subarray(half));
    const answer = await put.response;
    assert.ok('status' in answer, JSON.stringify(answer));
    assert.equal(answer.status, 200, answer.text);
    assert.equal(JSON.parse(answer.text).data.attributes.status, 'uploaded');
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    assert.match(s.logs.join(''), /"msg":"shutting down: draining"/);
    assert.match(s.logs.join(''), /"drained":true,"msg":"stopped"/);

    const next = await start(30);
    const v = await api(next.url, 'GET', `/api/v1/provider-versions/${id}`);
    assert.equal(v.body.data.attributes.status, 'uploaded');
    const versions = await api(next.url, 'GET', '/v1/providers/drain/widget/versions');
    assert.deepEqual(
      versions.body.versions.map((x: { version: string }) => x.version),
      ['1.0.0'],
    );
  });

  it('an upload still running at the deadline is cut and its version recorded errored with the reason, not pending', async () => {
    const s = await start(2);
    const { upload, id } = await createVersion(s.url, key, 'cut', '1.0.0');
    const body = await tarball('1.0.0');
    const put = slowPut(upload, body.length);
    await put.write(body.subarray(0, Math.floor(body.length / 2)));
    await sleep(500);
    s.signal('SIGTERM');
    const answer = await put.response;
    assert.ok('error' in answer || answer.status >= 400, `the upload did not succeed: ${JSON.stringify(answer)}`);
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    assert.match(s.logs.join(''), /"uploadsCut":1,.*"msg":"shutdown timeout reached: requests in flight cut"/);

    const next = await start(30);
    const v = await api(next.url, 'GET', `/api/v1/provider-versions/${id}`);
    assert.equal(v.body.data.attributes.status, 'errored', JSON.stringify(v.body));
    assert.match(JSON.stringify(v.body.data.attributes), /server shut down during upload/);
    // The documented retry works: a new upload URL, then the upload.
    const url = await api(next.url, 'POST', `/api/v1/provider-versions/${id}/upload-url`);
    assert.equal(url.status, 200, JSON.stringify(url.body));
    const retry = await fetch(url.body.data.links.upload, {
      method: 'PUT',
      body: await tarball('1.0.0'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(retry.status, 200, await retry.text());
  });

  it('a second signal exits at once', async () => {
    const s = await start(60);
    const { upload } = await createVersion(s.url, key, 'twice', '1.0.0');
    const body = await tarball('1.0.0');
    const put = slowPut(upload, body.length);
    await put.write(body.subarray(0, 100));
    await sleep(300);
    s.signal('SIGTERM');
    await sleep(500);
    s.signal('SIGINT');
    const started = Date.now();
    assert.deepEqual(await s.exited, { code: 1, signal: null });
    assert.ok(Date.now() - started < 30_000, 'not after the 60 s shutdown timeout');
    await put.response;
  });
});

describe('/readyz while draining', () => {
  it('answers 503 "draining" once the readiness is drained', async () => {
    const t = buildTestApp(createMemoryStore());
    assert.equal((await t.app.request('/readyz')).status, 200);
    t.readiness.drain();
    const res = await t.app.request('/readyz');
    assert.equal(res.status, 503);
    assert.match(await res.text(), /not ready: draining \(the server is shutting down\)/);
  });
});
