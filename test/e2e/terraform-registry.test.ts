// The real terraform CLI against tf-oci-registry (HTTPS with a test CA, backed by the real
// Distribution registry): providers published through the publishing API are installed, locked and
// run through providers.v1 (host block and real discovery), `providers lock` for several platforms, the
// network mirror with a registry-made lock file, and the bad paths a user meets.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registryLabel, requireRegistry, requireTool } from '../support/distribution.js';
import { terraformSkipReason, terraformWorkspace, type TerraformWorkspace } from '../support/terraform.js';
import {
  assertLocksEveryPlatform,
  buildReleases,
  hostBlock,
  mainTf,
  mirrorBlock,
  NAMESPACE,
  PLATFORMS,
  publishReleases,
  type Releases,
  TYPE,
  installAndApply,
} from './fixtures.js';
import { REGISTRY_HOST, startStack, type Stack } from './stack.js';

const skip = terraformSkipReason() || requireRegistry().skip || requireTool('gpg', 'zip', 'go', 'openssl').skip || false;
const ADDRESS = `${REGISTRY_HOST}/${NAMESPACE}/${TYPE}`;
test(`terraform end-to-end on ${registryLabel()}: registry, lock and mirror`, { skip }, () => {});

describe(`terraform end-to-end on ${registryLabel()}: registry, lock and mirror`, { skip }, () => {
  let stack: Stack;
  let releases: Releases;
  const workspaces: TerraformWorkspace[] = [];
  let registryLock: string;

  async function workspace(cliConfig: string, files: Record<string, string>): Promise<TerraformWorkspace> {
    const ws = await terraformWorkspace({ cliConfig, files, env: { SSL_CERT_FILE: stack.tls.caPath } });
    workspaces.push(ws);
    return ws;
  }

  before(async () => {
    releases = await buildReleases(['1.0.0', '1.1.0']);
    stack = await startStack();
    await publishReleases(stack, releases);
  });
  after(async () => {
    for (const ws of workspaces) await ws.cleanup();
    await stack?.stop();
    await releases?.signer.cleanup();
  });

  it('1. installs and runs the provider through providers.v1 (host block); the lock has h1 and every zh', async () => {
    const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '~> 1.0'));
    registryLock = await installAndApply(ws, ADDRESS, releases.byVersion['1.1.0']!);
  });

  it('1b. installs through real service discovery at the server host', async () => {
    const port = new URL(stack.server.url).port;
    const ws = await workspace('', mainTf(`localhost:${port}/${NAMESPACE}/${TYPE}`, '1.0.0'));
    await ws.runOk(['init', '-input=false']);
    const apply = await ws.runOk(['apply', '-auto-approve', '-input=false']);
    assert.match(apply.flat, /provider_version = "1\.0\.0"/);
  });

  it("2. `providers lock` for several platforms records each platform's h1 and zh", async () => {
    const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '~> 1.0'));
    await ws.runOk(['providers', 'lock', ...PLATFORMS.map((p) => `-platform=${p.os}_${p.arch}`)]);
    const lock = (await ws.readLockFile())![ADDRESS]!;
    assert.equal(lock.version, '1.1.0');
    assertLocksEveryPlatform(lock, releases.byVersion['1.1.0']!);
  });

  it('3. the network mirror installs the same bytes, satisfying the lock file made through the registry', async () => {
    assert.ok(registryLock, 'scenario 1 ran first and produced a lock file');
    const ws = await workspace(mirrorBlock(stack.server.url), mainTf(ADDRESS, '~> 1.0'));
    await writeFile(join(ws.dir, '.terraform.lock.hcl'), registryLock);
    const init = await ws.runOk(['init', '-input=false']);
    assert.match(init.flat, /Installing registry\.example\.test\/acme\/tfocitest v1\.1\.0/);
    const apply = await ws.runOk(['apply', '-auto-approve', '-input=false']);
    assert.match(apply.flat, /provider_version = "1\.1\.0"/);
    const after = await readFile(join(ws.dir, '.terraform.lock.hcl'), 'utf8');
    assert.equal(after, registryLock, 'the mirror added nothing the registry lock did not already have');
  });

  it("5a. a version constraint nothing matches fails with terraform's own message", async () => {
    const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '~> 9.0'));
    const r = await ws.run(['init', '-input=false']);
    assert.notEqual(r.code, 0);
    assert.match(r.flat, /no available releases match the given constraints ~> 9\.0/);
  });

  it('5b. a platform that was not published is reported as not available', async () => {
    const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '1.1.0'));
    const r = await ws.run(['providers', 'lock', '-platform=linux_arm64']);
    assert.notEqual(r.code, 0);
    assert.match(r.flat, /linux_arm64/);
    assert.match(r.flat, /not available|does not have a package|no package/i);
  });

  it('5c. a zip altered in the registry after publishing is refused, not installed', async () => {
    const pkg = releases.byVersion['1.0.0']!.packages.find((p) => p.os === 'linux' && p.arch === 'amd64')!;
    const blob = stack.registry.blobFile(pkg.sha256);
    const original = await readFile(blob);
    const altered = Buffer.from(original);
    altered[altered.length >> 1] = altered[altered.length >> 1]! ^ 0xff;
    await writeFile(blob, altered);
    try {
      const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '1.0.0'));
      const r = await ws.run(['init', '-input=false']);
      assert.notEqual(r.code, 0, r.flat);
      assert.match(r.flat, /Failed to install provider|Error while installing/i);
      assert.doesNotMatch(r.flat, /Terraform has been successfully initialized/);
    } finally {
      await writeFile(blob, original);
    }
  });

  it('5d. with the OCI registry down, init fails with a clear gateway error', requireRegistry(['restart']), async () => {
    await stack.registry.kill();
    try {
      const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '~> 1.0'));
      const r = await ws.run(['init', '-input=false']);
      assert.notEqual(r.code, 0);
      assert.match(r.flat, /502 Bad Gateway|OCI registry .* unavailable/);
      assert.ok(stack.server.logs.join('').includes('unavailable'), 'the server logged the cause');
    } finally {
      await stack.registry.restart();
    }
  });
});
