// Three tf-oci-registry server processes behind the real nginx load balancer of
// docs/operations.md#replicas, on one real Distribution registry, with the same secrets: requests are
// spread over the replicas; a version published through one replica (its upload URL answered by whichever
// replica nginx picks) is listed by every replica within cache.tags_ttl, and a deleted one disappears as
// fast; a download URL minted by one replica works on every other (and not on a server with another
// secret); the real terraform installs through the load balancer. Waits are bounded polls, never timings.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { buildReleases, hostBlock, mainTf, NAMESPACE, type Releases, TYPE } from '../e2e/fixtures.js';
import { type ApiClient, apiClient, REGISTRY_HOST } from '../e2e/stack.js';
import { type Distribution, freePort, requireTool, startDistribution } from '../support/distribution.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import { terraformSkipReason, terraformWorkspace, type TerraformWorkspace } from '../support/terraform.js';
import { createTestTls, type TestTls } from '../support/tls.js';
import { type LoadBalancer, NGINX_BIN, startLoadBalancer } from './load-balancer.js';

const skip = terraformSkipReason() || requireTool('docker-registry', NGINX_BIN, 'gpg', 'zip', 'go', 'openssl').skip || false;
const SECRET = 'replicas-download-secret-0123456789abcdef';
/** cache.tags_ttl of the replicas (the default): a change is seen by every replica within it. */
const TAGS_TTL_S = 10;
/** Bound of the polls: the TTL plus generous room for a slow, shared machine. */
const POLL_DEADLINE_MS = (TAGS_TTL_S + 50) * 1000;
const VERSIONS_PATH = `/v1/providers/${NAMESPACE}/${TYPE}/versions`;

describe('three replicas behind nginx on one registry', { skip, timeout: 20 * 60_000 }, () => {
  let dir: string;
  let tls: TestTls;
  let registry: Distribution;
  let releases: Releases;
  const replicas: ServerProcess[] = [];
  let lb: LoadBalancer;
  let apis: ApiClient[] = [];
  const versionIds: Record<string, string> = {};
  const workspaces: TerraformWorkspace[] = [];

  async function listed(server: ServerProcess): Promise<string[]> {
    const res = await request(`${server.url}${VERSIONS_PATH}`);
    const text = await res.body.text();
    if (res.statusCode === 404) return [];
    assert.equal(res.statusCode, 200, text);
    return (JSON.parse(text) as { versions: Array<{ version: string }> }).versions.map((v) => v.version).sort();
  }

  /** Polls every replica until `check` holds on all of them, within POLL_DEADLINE_MS. */
  async function untilEveryReplica(what: string, check: (versions: string[]) => boolean): Promise<void> {
    const deadline = Date.now() + POLL_DEADLINE_MS;
    const seen = new Map<number, string[]>();
    for (;;) {
      await Promise.all(replicas.map(async (r, i) => seen.set(i, await listed(r))));
      if ([...seen.values()].every(check)) return;
      if (Date.now() > deadline) {
        assert.fail(`${what}: not on every replica within ${POLL_DEADLINE_MS / 1000} s: ${JSON.stringify([...seen.entries()])}`);
      }
      await sleep(250);
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tfoci-replicas-'));
    tls = await createTestTls();
    [registry, releases] = await Promise.all([startDistribution(), buildReleases(['1.0.0', '1.1.0'])]);
    const lbPort = await freePort();
    for (let i = 0; i < 3; i++) {
      replicas.push(
        await startServerProcess({
          https: false,
          env: {
            TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
            TF_OCI_REGISTRY_STORAGE_URL: registry.url,
            TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true',
            TF_OCI_REGISTRY_STORAGE_PREFIX: 'tf',
            TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: REGISTRY_HOST,
            TF_OCI_REGISTRY_SERVER_PUBLIC_URL: `https://localhost:${lbPort}`,
            TF_OCI_REGISTRY_SERVER_SECRETS: SECRET,
          },
        }),
      );
    }
    lb = await startLoadBalancer({
      dir,
      port: lbPort,
      replicas: replicas.map((r) => `127.0.0.1:${r.port}`),
      certPath: tls.certPath,
      keyPath: tls.keyPath,
      ca: tls.ca,
    });
    apis = replicas.map((r) => apiClient(r.url, tls.ca));
  });

  after(async () => {
    for (const ws of workspaces) await ws.cleanup();
    for (const api of apis) await api.close();
    await lb?.stop();
    for (const r of replicas) await r.stop();
    await registry?.stop();
    await releases?.signer.cleanup();
    await tls?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('nginx spreads requests over the three replicas', async () => {
    const dispatcher = new Agent({ connect: { ca: tls.ca } });
    try {
      for (let i = 0; i < 6; i++) {
        const res = await request(`${lb.url}/readyz`, { dispatcher });
        assert.equal(res.statusCode, 200, await res.body.text());
      }
    } finally {
      await dispatcher.close();
    }
    const upstreams = new Set((await lb.accessLog()).map((e) => e.upstream));
    for (const r of replicas) assert.ok(upstreams.has(`127.0.0.1:${r.port}`), `replica ${r.port} got requests: ${[...upstreams]}`);
  });

  it('a version published through one replica is listed by every replica (its upload URL goes through the load balancer)', async () => {
    const r = await apis[0]!.publish({
      namespace: NAMESPACE,
      type: TYPE,
      version: '1.0.0',
      armoredKey: releases.signer.publicKeyArmored,
      tarballPath: releases.byVersion['1.0.0']!.tarballPath!,
    });
    assert.equal(r.upload.status, 200, JSON.stringify(r.upload.body));
    assert.equal(r.upload.body.data.attributes.status, 'uploaded', JSON.stringify(r.upload.body));
    versionIds['1.0.0'] = r.versionId;
    const uploads = (await lb.accessLog()).filter((e) => e.path.includes('upload'));
    assert.equal(uploads.length, 1, 'the upload URL (public URL = the load balancer) went through nginx');
    await untilEveryReplica('1.0.0 published through replica 1', (v) => v.includes('1.0.0'));
  });

  it(`a version published through another replica is listed by all within cache.tags_ttl (${TAGS_TTL_S} s)`, async () => {
    // Every replica has just listed [1.0.0]: their tag listings are cached.
    for (const r of replicas) assert.deepEqual(await listed(r), ['1.0.0']);
    const r = await apis[1]!.publish({
      namespace: NAMESPACE,
      type: TYPE,
      version: '1.1.0',
      armoredKey: releases.signer.publicKeyArmored,
      tarballPath: releases.byVersion['1.1.0']!.tarballPath!,
      keyId: (await apis[1]!.findKey(NAMESPACE))!,
    });
    assert.equal(r.upload.body.data.attributes.status, 'uploaded', JSON.stringify(r.upload.body));
    versionIds['1.1.0'] = r.versionId;
    await untilEveryReplica('1.1.0 published through replica 2', (v) => v.includes('1.1.0') && v.includes('1.0.0'));
  });

  it('a download URL minted by one replica works on every other replica, and not with another secret', async () => {
    const pkg = releases.byVersion['1.1.0']!.packages.find((p) => p.os === 'linux' && p.arch === 'amd64')!;
    for (const minter of replicas) {
      const res = await request(`${minter.url}/v1/providers/${NAMESPACE}/${TYPE}/1.1.0/download/linux/amd64`);
      assert.equal(res.statusCode, 200);
      const downloadUrl = new URL(((await res.body.json()) as { download_url: string }).download_url);
      assert.equal(downloadUrl.origin, lb.url, 'download URLs name the load balancer');
      for (const server of replicas) {
        const zip = await request(`${server.url}${downloadUrl.pathname}${downloadUrl.search}`);
        const bytes = await zip.body.arrayBuffer().then(
          (b) => Buffer.from(b),
          (err: unknown) => {
            // A transfer cut mid-way: say which replica and what its log says about it.
            throw new Error(`download from ${server.port} (minted by ${minter.port}) cut: ${err}\n${server.logs.join('').slice(-3000)}`);
          },
        );
        assert.equal(zip.statusCode, 200, `minted by ${minter.port}, fetched from ${server.port}: ${bytes.toString().slice(0, 300)}`);
        assert.equal(createHash('sha256').update(bytes).digest('hex'), pkg.sha256);
      }
    }
    // A server on the same registry with another secret refuses the same URL.
    const res = await request(`${replicas[0]!.url}/v1/providers/${NAMESPACE}/${TYPE}/1.1.0/download/linux/amd64`);
    const downloadUrl = new URL(((await res.body.json()) as { download_url: string }).download_url);
    const stranger = await startServerProcess({
      https: false,
      env: {
        TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
        TF_OCI_REGISTRY_STORAGE_URL: registry.url,
        TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true',
        TF_OCI_REGISTRY_STORAGE_PREFIX: 'tf',
        TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: REGISTRY_HOST,
        TF_OCI_REGISTRY_SERVER_SECRETS: 'another-secret-0123456789abcdef0123',
      },
    });
    try {
      const refused = await request(`${stranger.url}${downloadUrl.pathname}${downloadUrl.search}`);
      const body = await refused.body.text();
      assert.ok(refused.statusCode >= 400 && refused.statusCode < 500, `${refused.statusCode} ${body.slice(0, 300)}`);
    } finally {
      await stranger.stop();
    }
  });

  it('terraform init through the load balancer installs the newest version; its requests went to several replicas', async () => {
    const before = (await lb.accessLog()).length;
    const address = `${REGISTRY_HOST}/${NAMESPACE}/${TYPE}`;
    const ws = await terraformWorkspace({
      cliConfig: hostBlock(REGISTRY_HOST, lb.url),
      files: mainTf(address, '~> 1.0'),
      env: { SSL_CERT_FILE: tls.caPath },
    });
    workspaces.push(ws);
    await ws.runOk(['init', '-input=false']);
    const apply = await ws.runOk(['apply', '-auto-approve', '-input=false']);
    assert.match(apply.flat, /provider_version = "1\.1\.0"/);
    const lock = (await ws.readLockFile())![address]!;
    assert.equal(lock.version, '1.1.0');
    const during = (await lb.accessLog()).slice(before);
    assert.ok(
      during.some((e) => e.path.startsWith('/download/')),
      `the zip came through nginx: ${JSON.stringify(during)}`,
    );
    const upstreams = new Set(during.map((e) => e.upstream));
    assert.ok(upstreams.size >= 2, `terraform's ${during.length} requests went to ${[...upstreams]}`);
  });

  it(`a version deleted through one replica is no longer listed by any within cache.tags_ttl (${TAGS_TTL_S} s)`, async () => {
    const del = await apis[2]!.call('DELETE', `/api/v1/provider-versions/${versionIds['1.0.0']}`);
    assert.ok(del.status === 204 || del.status === 200, JSON.stringify(del.body));
    await untilEveryReplica('1.0.0 deleted through replica 3', (v) => !v.includes('1.0.0') && v.includes('1.1.0'));
  });
});
