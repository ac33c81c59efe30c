// Download offload (server.download_offload = "x-accel-redirect", docs/mirror.md#download-offload) through a
// REAL nginx running the documented configuration, over the real Distribution registry: anonymous pulls and
// token auth (the Bearer token the server obtained is what nginx sends; a Basic credential never leaves the
// server). Downloads must arrive byte for byte with the zip's headers, bad URLs must be refused by the
// server before anything is offloaded, and the internal location must stay internal. Also
// download_mode = "direct" end to end: the download URL is the registry's blob URL and serves the zip. And the
// layout directory: the documented alias location serves the blob file itself.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { providerRepository } from '../../src/layout/names.js';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import type { OciStore } from '../../src/oci/store.js';
import type { Digest } from '../../src/oci/types.js';
import { buildAuthApp, SECRET, type AuthTestApp } from '../auth/support.js';
import {
  firstSkip,
  freePort,
  registryLabel,
  requireRegistry,
  requireTool,
  startDistribution,
  type Distribution,
} from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease, type FixtureRelease } from '../support/provider-fixture.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { NGINX_BIN, startOffloadFront, type OffloadFront } from './offload-support.js';

const HOST = 'registry.example.test';
const REPO = providerRepository('tf', HOST, 'acme', 'widget');
const DOWNLOAD_JSON = '/v1/providers/acme/widget/1.0.0/download/linux/amd64';
const OFFLOAD = { 'X-Tf-Oci-Download-Offload': 'x-accel-redirect' };
const tools = firstSkip(requireRegistry(), requireTool(NGINX_BIN, 'gpg', 'zip'));

const sha256 = (b: Buffer | ArrayBuffer) =>
  createHash('sha256')
    .update(Buffer.from(b as ArrayBuffer))
    .digest('hex');

function serverToml(publicUrl: string, registryUrl: string, extra = ''): string {
  return `[server]
public_url = "${publicUrl}"
secrets = ["${SECRET}"]
registry_hostname = "${HOST}"
download_offload = "x-accel-redirect"
[storage]
kind = "registry"
url = "${registryUrl}"
plain_http = true
prefix = "tf"
${extra}`;
}

/** The download URL of linux_amd64, as a path on `base` (nginx or the server itself). */
async function downloadPath(base: string): Promise<string> {
  const res = await fetch(base + DOWNLOAD_JSON);
  assert.equal(res.status, 200, await res.clone().text());
  return new URL(((await res.json()) as { download_url: string }).download_url).pathname;
}

describe(`download offload through the documented nginx configuration, ${registryLabel()} with anonymous pulls`, tools, () => {
  let reg: Distribution;
  let signer: TestSigner;
  let rel: FixtureRelease;
  let t: AuthTestApp;
  let front: OffloadFront;
  let dir: string;
  let store: OciStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tf-oci-offload-'));
    reg = await startDistribution();
    store = createRegistryStore({ url: reg.url, plainHttp: true });
    signer = await createTestSigner();
    rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(store, REPO, rel);
    const port = await freePort();
    t = buildAuthApp(undefined, serverToml(`http://127.0.0.1:${port}`, reg.url, '[auth]\nmode = "none"\n'));
    front = await startOffloadFront({ dir: join(dir, 'nginx'), port, t, blobOrigin: reg.url });
  });
  after(async () => {
    await front?.stop();
    await signer?.cleanup();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('nginx serves the zip byte for byte, with the download headers; the server answered with X-Accel-Redirect only', async () => {
    const path = await downloadPath(front.url);
    const res = await fetch(front.url + path);
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    const zip = rel.zips[0]!;
    assert.equal(body.length, zip.bytes.length);
    assert.equal(sha256(body), zip.sha256);
    // The type is the registry's (nginx answers with its internal location's headers); terraform and tofu
    // do not look at it. The file name is the server's.
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="terraform-provider-widget_1\.0\.0_linux_amd64\.zip"/);
    assert.equal(res.headers.get('x-accel-redirect'), null);
    assert.equal(res.headers.get('x-tf-oci-registry-authorization'), null);
    // The access line of that download: the route, 200, and the usage facts (the ticket's size).
    assert.match(t.logs(), /"route":"\/download\/:token\/:filename","status":200/);

    // What nginx got from the server: the internal location of the blob, no body, no credential (anonymous registry).
    const inner = await fetch(front.serverUrl + path, { headers: OFFLOAD });
    assert.equal(inner.status, 200);
    assert.equal(await inner.text(), '');
    const accel = inner.headers.get('x-accel-redirect') ?? '';
    assert.match(accel, new RegExp(`^/_tf_oci_blobs/v2/${REPO}/blobs/sha256:${zip.sha256}$`));
    assert.equal(inner.headers.get('x-tf-oci-registry-authorization'), null);
  });

  it('streams as in proxy mode when the request did not come through nginx (no offload header)', async () => {
    const path = await downloadPath(front.serverUrl);
    const res = await fetch(front.serverUrl + path);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-accel-redirect'), null);
    assert.equal(sha256(await res.arrayBuffer()), rel.zips[0]!.sha256);
    // HEAD is answered from the ticket, never offloaded.
    const head = await fetch(front.url + path, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(rel.zips[0]!.bytes.length));
  });

  it('bad inputs: a tampered URL is refused by the server (403, JSON), the internal location is not reachable from outside (404)', async () => {
    const path = await downloadPath(front.url);
    const parts = path.split('/');
    const ticket = parts[2]!;
    parts[2] = ticket.slice(0, -4) + (ticket.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const tampered = await fetch(front.url + parts.join('/'));
    assert.equal(tampered.status, 403);
    assert.match(tampered.headers.get('content-type') ?? '', /json/);
    assert.match(await tampered.text(), /"errors"/);
    const internal = await fetch(`${front.url}/_tf_oci_blobs/v2/${REPO}/blobs/sha256:${rel.zips[0]!.sha256}`);
    assert.equal(internal.status, 404);
    await internal.arrayBuffer();
    // A client's own X-Accel-Redirect-looking request header changes nothing: nginx sets the offload header itself.
    const spoof = await fetch(front.url + path, { headers: { 'X-Tf-Oci-Download-Offload': 'nonsense' } });
    assert.equal(spoof.status, 200);
    assert.equal(sha256(await spoof.arrayBuffer()), rel.zips[0]!.sha256);
  });

  it('a blob gone from the registry: 404 with a JSON error from the server, nothing offloaded', async () => {
    const path = await downloadPath(front.url);
    await store.deleteBlob(REPO, `sha256:${rel.zips[0]!.sha256}` as Digest);
    const res = await fetch(front.url + path);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /no longer exists/);
  });

  it('refuses a download_offload_location that is not a plain path ending with "/"', () => {
    for (const location of ['_tf/', '/a b/', '/x', '/../']) {
      assert.throws(
        () =>
          loadConfig({
            fileText: `${serverToml('https://r.example.test', 'http://127.0.0.1:1')}\n`.replace(
              'download_offload = "x-accel-redirect"',
              `download_offload = "x-accel-redirect"\ndownload_offload_location = "${location}"`,
            ),
            fileName: 'offload.toml',
            env: {},
            readFile: () => '',
            randomSecret: () => 'unused',
          }),
        /download_offload_location/,
      );
    }
  });
});

describe(
  `download offload with ${registryLabel()} token auth: nginx sends the pull token the server obtained`,
  firstSkip(requireRegistry(['token']), requireTool(NGINX_BIN, 'gpg', 'zip', 'openssl')),
  () => {
    let tokens: TokenServer;
    let reg: Distribution;
    let signer: TestSigner;
    let rel: FixtureRelease;
    let t: AuthTestApp;
    let front: OffloadFront;
    let dir: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tf-oci-offload-token-'));
      tokens = await startTokenServer({
        users: { service: { password: 'service-pw-5e1f', grants: [{ prefix: '', actions: ['pull', 'push'] }] } },
      });
      reg = await startDistribution({
        auth: { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile },
      });
      const store = createRegistryStore({
        url: reg.url,
        plainHttp: true,
        credential: { username: 'service', password: 'service-pw-5e1f' },
      });
      signer = await createTestSigner();
      rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
      await pushRelease(store, REPO, rel);
      const port = await freePort();
      t = buildAuthApp(
        undefined,
        serverToml(`http://127.0.0.1:${port}`, reg.url, 'username = "service"\npassword = "service-pw-5e1f"\n[auth]\nmode = "none"\n'),
      );
      front = await startOffloadFront({ dir: join(dir, 'nginx'), port, t, blobOrigin: reg.url });
    });
    after(async () => {
      await front?.stop();
      await signer?.cleanup();
      await reg?.stop();
      await tokens?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('downloads byte for byte through nginx; the token handed to nginx is a pull token for that repository only', async () => {
      const path = await downloadPath(front.url);
      const res = await fetch(front.url + path);
      assert.equal(res.status, 200);
      assert.equal(sha256(await res.arrayBuffer()), rel.zips[0]!.sha256);
      assert.equal(res.headers.get('x-tf-oci-registry-authorization'), null);

      const inner = await fetch(front.serverUrl + path, { headers: OFFLOAD });
      await inner.arrayBuffer();
      const authorization = inner.headers.get('x-tf-oci-registry-authorization') ?? '';
      assert.match(authorization, /^Bearer \S+$/);
      assert.doesNotMatch(authorization, /service-pw/);
      const claims = JSON.parse(Buffer.from(authorization.slice('Bearer '.length).split('.')[1]!, 'base64url').toString()) as {
        access: Array<{ type: string; name: string; actions: string[] }>;
      };
      assert.deepEqual(claims.access, [{ type: 'repository', name: REPO, actions: ['pull'] }]);
    });
  },
);

describe(
  `download offload with a Basic-auth ${registryLabel()}: the password is never handed to nginx`,
  firstSkip(requireRegistry(['htpasswd']), requireTool(NGINX_BIN, 'gpg', 'zip', 'htpasswd')),
  () => {
    let reg: Distribution;
    let signer: TestSigner;
    let rel: FixtureRelease;
    let t: AuthTestApp;
    let front: OffloadFront;
    let dir: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tf-oci-offload-basic-'));
      reg = await startDistribution({ auth: { kind: 'htpasswd', users: { service: 'basic-pw-77aa' } } });
      const store = createRegistryStore({ url: reg.url, plainHttp: true, credential: { username: 'service', password: 'basic-pw-77aa' } });
      signer = await createTestSigner();
      rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
      await pushRelease(store, REPO, rel);
      const port = await freePort();
      t = buildAuthApp(
        undefined,
        serverToml(`http://127.0.0.1:${port}`, reg.url, 'username = "service"\npassword = "basic-pw-77aa"\n[auth]\nmode = "none"\n'),
      );
      front = await startOffloadFront({ dir: join(dir, 'nginx'), port, t, blobOrigin: reg.url });
    });
    after(async () => {
      await front?.stop();
      await signer?.cleanup();
      await reg?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('streams the download itself (no X-Accel-Redirect, no credential header), byte for byte through nginx', async () => {
      const path = await downloadPath(front.url);
      const inner = await fetch(front.serverUrl + path, { headers: OFFLOAD });
      assert.equal(inner.status, 200);
      assert.equal(inner.headers.get('x-accel-redirect'), null);
      assert.equal(inner.headers.get('x-tf-oci-registry-authorization'), null);
      assert.equal(sha256(await inner.arrayBuffer()), rel.zips[0]!.sha256);
      const res = await fetch(front.url + path);
      assert.equal(res.status, 200);
      assert.equal(sha256(await res.arrayBuffer()), rel.zips[0]!.sha256);
    });
  },
);

describe(
  'download offload from a layout directory: nginx serves the blob file itself (documented alias location)',
  requireTool(NGINX_BIN, 'gpg', 'zip'),
  () => {
    let signer: TestSigner;
    let rel: FixtureRelease;
    let t: AuthTestApp;
    let front: OffloadFront;
    let dir: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tf-oci-offload-layout-'));
      const data = join(dir, 'data');
      signer = await createTestSigner();
      rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
      await pushRelease(createLayoutStore({ path: data }), REPO, rel);
      const port = await freePort();
      t = buildAuthApp(
        undefined,
        `[server]\npublic_url = "http://127.0.0.1:${port}"\nsecrets = ["${SECRET}"]\nregistry_hostname = "${HOST}"\ndownload_offload = "x-accel-redirect"\n[storage]\nkind = "layout"\npath = "${data}"\nprefix = "tf"\n`,
      );
      front = await startOffloadFront({ dir: join(dir, 'nginx'), port, t, layoutRoot: data });
    });
    after(async () => {
      await front?.stop();
      await signer?.cleanup();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('downloads byte for byte; the server named the blob file under the directory', async () => {
      const path = await downloadPath(front.url);
      const res = await fetch(front.url + path);
      assert.equal(res.status, 200);
      assert.equal(sha256(await res.arrayBuffer()), rel.zips[0]!.sha256);
      const inner = await fetch(front.serverUrl + path, { headers: OFFLOAD });
      assert.equal(await inner.text(), '');
      assert.equal(inner.headers.get('x-accel-redirect'), `/_tf_oci_blobs/${REPO}/blobs/sha256/${rel.zips[0]!.sha256}`);
    });
  },
);

describe(
  `download_mode = "direct" end to end on ${registryLabel()} with anonymous pulls`,
  firstSkip(requireRegistry(), requireTool('gpg', 'zip')),
  () => {
    let reg: Distribution;
    let signer: TestSigner;
    let rel: FixtureRelease;

    before(async () => {
      reg = await startDistribution();
      signer = await createTestSigner();
      rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
      await pushRelease(createRegistryStore({ url: reg.url, plainHttp: true }), REPO, rel);
    });
    after(async () => {
      await signer?.cleanup();
      await reg?.stop();
    });

    it("lists the registry's blob URL, which serves the zip byte for byte without the server", async () => {
      const t = buildAuthApp(
        undefined,
        `[server]\npublic_url = "https://${HOST}"\nsecrets = ["${SECRET}"]\ndownload_mode = "direct"\n[storage]\nkind = "registry"\nurl = "${reg.url}"\nplain_http = true\nprefix = "tf"\n[auth]\nmode = "none"\n`,
      );
      const res = await t.app.request(DOWNLOAD_JSON);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { download_url: string; shasum: string };
      const zip = rel.zips[0]!;
      assert.equal(doc.download_url, `${reg.url}/v2/${REPO}/blobs/sha256:${zip.sha256}`);
      assert.equal(doc.shasum, zip.sha256);
      const blob = await fetch(doc.download_url);
      assert.equal(blob.status, 200);
      assert.equal(sha256(await blob.arrayBuffer()), zip.sha256);
    });

    it('is refused at start for a layout directory and in delegate mode, naming the key', () => {
      const load = (toml: string) => () =>
        loadConfig({
          fileText: `[server]\npublic_url = "https://${HOST}"\ndownload_mode = "direct"\n${toml}`,
          fileName: 'd.toml',
          env: {},
          readFile: () => '',
          randomSecret: () => 'unused-secret-0123456789',
        });
      assert.throws(load('[storage]\nkind = "layout"\npath = "/tmp/x"\n'), /server\.download_mode.*direct.*registry store/);
      assert.throws(load(`[storage]\nkind = "registry"\nurl = "${reg.url}"\nplain_http = true\n[auth]\nmode = "delegate"\n`), /delegate/);
    });
  },
);
