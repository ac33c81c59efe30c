// Proves the end-to-end harness itself, with no tf-oci-registry involved: the real test provider is
// built and signed like a GoReleaser release, the real terraform CLI installs it from a filesystem
// mirror and from an https network mirror (trusting the test CA), applies it, and writes the lock
// file hashes the build helper predicted. Scenario tests against the server build on these helpers.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { createTestSigner, gpgVerifyDetached, type TestSigner } from '../support/gpg-signer.js';
import { buildTestProvider, hostPlatform, type ProviderPackage, type ProviderRelease } from '../support/provider-build.js';
import { requireTerraform, terraformSkipReason, terraformWorkspace, type TerraformWorkspace } from '../support/terraform.js';
import { createTestTls, type TestTls } from '../support/tls.js';

const HOST = 'registry.example.test';
const ADDRESS = `${HOST}/acme/tfocitest`;
const VERSION = '0.3.1';

function mainTf(constraint: string): string {
  return `
terraform {
  required_providers {
    tfocitest = { source = "${ADDRESS}", version = "${constraint}" }
  }
}
resource "tfocitest_echo" "e" { value = "hello" }
data "tfocitest_info" "i" {}
output "result" { value = tfocitest_echo.e.result }
output "installed" { value = "\${data.tfocitest_info.i.version} \${data.tfocitest_info.i.os}_\${data.tfocitest_info.i.arch}" }
`;
}

const skip = terraformSkipReason();

// Outside the suite so that a local skip shows up in the runner's "skipped" count.
test('TF_OCI_TERRAFORM names a working terraform', { skip }, async (t) => {
  const ws = await terraformWorkspace({ cliConfig: '', files: {} });
  try {
    const r = await ws.runOk(['version', '-json']);
    const version = (JSON.parse(r.stdout) as { terraform_version?: unknown }).terraform_version;
    assert.equal(typeof version, 'string', r.stdout);
    t.diagnostic(`terraform ${String(version)} at ${requireTerraform()}`);
  } finally {
    await ws.cleanup();
  }
});

describe('e2e harness: real terraform + real provider, no server', { skip }, () => {
  let work: string;
  let signer: TestSigner;
  let release: ProviderRelease;
  let pkg: ProviderPackage;
  let mirrorDir: string;
  const workspaces: TerraformWorkspace[] = [];

  const workspace = async (...args: Parameters<typeof terraformWorkspace>) => {
    const ws = await terraformWorkspace(...args);
    workspaces.push(ws);
    return ws;
  };
  const fsMirrorConfig = () => `provider_installation {\n  filesystem_mirror {\n    path = "${mirrorDir}"\n  }\n}\n`;

  before(async () => {
    requireTerraform();
    work = await mkdtemp(join(tmpdir(), 'tfoci-harness-'));
    signer = await createTestSigner();
    release = await buildTestProvider({
      version: VERSION,
      platforms: [hostPlatform()],
      outDir: join(work, 'release'),
      sign: (sums) => signer.sign(sums),
      tarball: true,
    });
    pkg = release.packages[0]!;
    // Packed filesystem-mirror layout: HOST/NAMESPACE/TYPE/<the release zip, name unchanged>.
    mirrorDir = join(work, 'mirror');
    await mkdir(join(mirrorDir, ADDRESS), { recursive: true });
    await copyFile(pkg.path, join(mirrorDir, ADDRESS, pkg.filename));
  });

  after(async () => {
    for (const ws of workspaces) await ws.cleanup();
    await signer?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the SHA256SUMS signature verifies with the exported key, and not once the file changes', async () => {
    assert.ok(release.signaturePath);
    assert.match(signer.publicKeyArmored, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const good = await gpgVerifyDetached(signer.publicKeyArmored, release.shasumsPath, release.signaturePath);
    assert.equal(good.ok, true, good.output);

    const tampered = join(work, 'tampered_SHA256SUMS');
    await writeFile(
      tampered,
      release.shasums.replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')),
    );
    const bad = await gpgVerifyDetached(signer.publicKeyArmored, tampered, release.signaturePath);
    assert.equal(bad.ok, false, bad.output);
  });

  test('the release tarball holds exactly the release files, flat', async () => {
    assert.ok(release.tarballPath);
    const names: string[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      names.push(header.name);
      stream.on('end', next).resume();
    });
    await pipeline(createReadStream(release.tarballPath), createGunzip(), extract);
    assert.deepEqual(names, [
      `terraform-provider-tfocitest_${VERSION}_SHA256SUMS`,
      `terraform-provider-tfocitest_${VERSION}_SHA256SUMS.sig`,
      `terraform-provider-tfocitest_${VERSION}_${pkg.os}_${pkg.arch}.zip`,
      `terraform-provider-tfocitest_${VERSION}_manifest.json`,
    ]);
    assert.match(release.shasums, new RegExp(`^${pkg.sha256}  ${pkg.filename}$`, 'm'));
  });

  test('init + apply from a filesystem mirror; the lock file records the predicted h1', async (t) => {
    const ws = await workspace({ cliConfig: fsMirrorConfig(), files: { 'main.tf': mainTf(VERSION) } });
    const init = await ws.runOk(['init']);
    t.diagnostic(`terraform init (filesystem mirror) took ${init.durationMs} ms`);
    assert.match(init.flat, new RegExp(`Installed ${ADDRESS} v${VERSION} \\(unauthenticated\\)`));

    const lock = await ws.readLockFile();
    assert.equal(lock?.[ADDRESS]?.version, VERSION);
    assert.deepEqual(
      (lock?.[ADDRESS]?.hashes ?? []).filter((h) => h.startsWith('h1:')),
      [pkg.h1],
    );

    await ws.runOk(['apply', '-auto-approve']);
    const outputs = JSON.parse((await ws.runOk(['output', '-json'])).stdout) as Record<string, { value: string }>;
    assert.equal(outputs.result?.value, 'hello');
    assert.equal(outputs.installed?.value, `${VERSION} ${pkg.os}_${pkg.arch}`);
    // Read/refresh round-trips: a second plan sees no changes (exit code 0, not 2).
    const plan = await ws.run(['plan', '-detailed-exitcode']);
    assert.equal(plan.code, 0, plan.flat);
  });

  test("init fails with terraform's own message when no version matches", async () => {
    const ws = await workspace({ cliConfig: fsMirrorConfig(), files: { 'main.tf': mainTf('>= 9.0.0') } });
    const init = await ws.run(['init']);
    assert.equal(init.code, 1, init.flat);
    assert.match(init.flat, new RegExp(`${ADDRESS}: no available releases match the given constraints >= 9\\.0\\.0`));
    assert.equal(await ws.readLockFile(), null);
  });

  describe('https network mirror with the test CA', () => {
    let tls: TestTls;
    let server: Server;
    let mirrorUrl: string;
    const requests: string[] = [];

    before(async () => {
      tls = await createTestTls();
      // Network mirror protocol (docs/design/protocols.md section 5.1); `hashes` carries only our h1, so
      // terraform's own zip hashing must agree with the build helper's.
      const base = `/${ADDRESS}/`;
      const files: Record<string, () => Promise<Buffer> | Buffer> = {
        [`${base}index.json`]: () => Buffer.from(JSON.stringify({ versions: { [VERSION]: {} } })),
        [`${base}${VERSION}.json`]: () =>
          Buffer.from(JSON.stringify({ archives: { [`${pkg.os}_${pkg.arch}`]: { url: pkg.filename, hashes: [pkg.h1] } } })),
        [`${base}${pkg.filename}`]: () => readFile(pkg.path),
      };
      server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
        requests.push(`${req.method} ${req.url}`);
        const file = files[req.url ?? ''];
        if (!file) return void res.writeHead(404).end();
        void Promise.resolve(file()).then((body) => {
          const type = req.url!.endsWith('.json') ? 'application/json' : 'application/zip';
          res.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      mirrorUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });

    after(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      await tls?.cleanup();
    });

    const mirrorConfig = () => `provider_installation {\n  network_mirror {\n    url = "${mirrorUrl}"\n  }\n}\n`;

    test('installs from the mirror when SSL_CERT_FILE names the test CA', async (t) => {
      const ws = await workspace({ cliConfig: mirrorConfig(), files: { 'main.tf': mainTf(VERSION) }, env: { SSL_CERT_FILE: tls.caPath } });
      requests.length = 0;
      const init = await ws.runOk(['init']);
      t.diagnostic(`terraform init (https network mirror) took ${init.durationMs} ms`);
      assert.ok(requests.includes(`GET /${ADDRESS}/${pkg.filename}`), requests.join('\n'));
      assert.deepEqual((await ws.readLockFile())?.[ADDRESS]?.hashes, [pkg.h1]);
    });

    test('refuses the mirror without the test CA', async () => {
      const ws = await workspace({ cliConfig: mirrorConfig(), files: { 'main.tf': mainTf(VERSION) } });
      const init = await ws.run(['init']);
      assert.equal(init.code, 1, init.flat);
      assert.match(init.flat, /certificate signed by unknown authority/);
    });
  });
});
