// The real OpenTofu CLI (v1.10, built by .ci/build-tofu.sh) against what tf-oci-registry publishes: the
// same OCI repositories serve tofu's own OCI support (`oci_mirror` for providers, `oci://` module
// sources, straight from the registry, no tf-oci-registry in the path) and the registry protocols through
// tf-oci-registry (providers.v1, modules.v1). This is the claim that the storage layout is exactly
// OpenTofu's: releases published through our API install with tofu's own OCI client, and lock files
// made either way satisfy the other (zh: = sha256 of the zip = the OCI layer digest).
// The registry runs over HTTPS with the test CA (tofu's OCI client speaks HTTPS only); tofu trusts the
// CA through SSL_CERT_FILE, the server through NODE_EXTRA_CA_CERTS.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registryLabel, requireRegistry, requireTool } from '../support/distribution.js';
import { cliSkipReason, requireCli, terraformWorkspace, TOFU, type TerraformWorkspace } from '../support/terraform.js';
import {
  assertLocksEveryPlatform,
  buildReleases,
  hostBlock,
  mainTf,
  mirrorBlock,
  NAMESPACE,
  PLATFORMS,
  publishGreetingModule,
  publishReleases,
  type Releases,
  TYPE,
  installAndApply,
} from './fixtures.js';
import { REGISTRY_HOST, startStack, type Stack } from './stack.js';

const skip = cliSkipReason(TOFU) || requireRegistry().skip || requireTool('gpg', 'zip', 'go', 'openssl').skip || false;
const ADDRESS = `${REGISTRY_HOST}/${NAMESPACE}/${TYPE}`;
test(`OpenTofu end-to-end on ${registryLabel()}: oci_mirror, oci:// and the registry protocols`, { skip }, () => {});

/** CLI config: providers of REGISTRY_HOST straight from the OCI registry (tofu's oci_mirror). */
function ociMirrorBlock(registryHostPort: string): string {
  return `provider_installation {
  oci_mirror {
    repository_template = "${registryHostPort}/tf/providers/\${hostname}/\${namespace}/\${type}"
    include             = ["${REGISTRY_HOST}/*/*"]
  }
}
`;
}

const moduleTf = (source: string, version?: string) => ({
  'main.tf': `
module "m" {
  source = "${source}"
${version ? `  version = "${version}"\n` : ''}}
output "version" { value = module.m.version }
output "message" { value = module.m.message }
`,
});

describe(`OpenTofu end-to-end on ${registryLabel()}: oci_mirror, oci:// and the registry protocols`, { skip }, () => {
  let tofu: string;
  let stack: Stack;
  let releases: Releases;
  let registryHostPort: string;
  const workspaces: TerraformWorkspace[] = [];
  let registryLock = '';

  async function workspace(cliConfig: string, files: Record<string, string>): Promise<TerraformWorkspace> {
    const ws = await terraformWorkspace({ terraform: tofu, cliConfig, files, env: { SSL_CERT_FILE: stack.tls.caPath } });
    workspaces.push(ws);
    return ws;
  }

  const outputs = async (ws: TerraformWorkspace) =>
    JSON.parse((await ws.runOk(['output', '-json'])).stdout) as Record<string, { value: string }>;

  before(async () => {
    tofu = requireCli(TOFU);
    releases = await buildReleases(['1.0.0', '1.1.0']);
    stack = await startStack({ registryTls: true });
    registryHostPort = new URL(stack.registry.url).host;
    await publishReleases(stack, releases);
    await publishGreetingModule(stack, ['1.0.0', '1.1.0', '2.0.0']);
  });
  after(async () => {
    for (const ws of workspaces) await ws.cleanup();
    await stack?.stop();
    await releases?.signer.cleanup();
  });

  it('1. providers.v1 through tf-oci-registry: tofu installs and runs the provider; the lock has h1 and every zh', async () => {
    const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '~> 1.0'));
    registryLock = await installAndApply(ws, ADDRESS, releases.byVersion['1.1.0']!);
  });

  it('2. oci_mirror: tofu installs the release published through the API straight from the OCI registry', async () => {
    const ws = await workspace(ociMirrorBlock(registryHostPort), mainTf(ADDRESS, '~> 1.0'));
    await ws.runOk(['init', '-input=false']);
    const apply = await ws.runOk(['apply', '-auto-approve', '-input=false']);
    assert.match(apply.flat, /provider_version = "1\.1\.0"/);
    assert.match(apply.flat, /result = "hello from tf-oci-registry"/);
    // tofu's oci_mirror locks the OCI layer digest as zh:, which is the sha256 in our signed SHA256SUMS.
    const lock = (await ws.readLockFile())![ADDRESS]!;
    const linux = releases.byVersion['1.1.0']!.packages.find((p) => p.os === 'linux' && p.arch === 'amd64')!;
    assert.ok(lock.hashes.includes(linux.zh), `oci_mirror lock ${lock.hashes} has ${linux.zh}`);
  });

  it('3. the lock file made through providers.v1 satisfies oci_mirror (same zh: hashes), unchanged', async () => {
    assert.ok(registryLock, 'scenario 1 ran first');
    const ws = await workspace(ociMirrorBlock(registryHostPort), mainTf(ADDRESS, '~> 1.0'));
    await writeFile(join(ws.dir, '.terraform.lock.hcl'), registryLock);
    await ws.runOk(['init', '-input=false']);
    assert.match((await ws.runOk(['apply', '-auto-approve', '-input=false'])).flat, /provider_version = "1\.1\.0"/);
    assert.equal(await readFile(join(ws.dir, '.terraform.lock.hcl'), 'utf8'), registryLock);
  });

  it('3b. the network mirror of tf-oci-registry satisfies the same lock file', async () => {
    assert.ok(registryLock, 'scenario 1 ran first');
    const ws = await workspace(mirrorBlock(stack.server.url), mainTf(ADDRESS, '~> 1.0'));
    await writeFile(join(ws.dir, '.terraform.lock.hcl'), registryLock);
    await ws.runOk(['init', '-input=false']);
    assert.match((await ws.runOk(['apply', '-auto-approve', '-input=false'])).flat, /provider_version = "1\.1\.0"/);
    assert.equal(await readFile(join(ws.dir, '.terraform.lock.hcl'), 'utf8'), registryLock);
  });

  it("4. `tofu providers lock` for several platforms through providers.v1 records each platform's h1 and zh", async () => {
    // (providers lock ignores provider_installation, oci_mirror included: it asks the origin registry.)
    const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '1.0.0'));
    await ws.runOk(['providers', 'lock', ...PLATFORMS.map((p) => `-platform=${p.os}_${p.arch}`)]);
    const lock = (await ws.readLockFile())![ADDRESS]!;
    assertLocksEveryPlatform(lock, releases.byVersion['1.0.0']!);
  });

  it('5. oci:// module source: a module published through the API installs straight from the OCI registry', async () => {
    const ws = await workspace('', moduleTf(`oci://${registryHostPort}/tf/modules/${REGISTRY_HOST}/acme/greeting/null?tag=1.1.0`));
    await ws.runOk(['init', '-input=false']);
    await ws.runOk(['apply', '-auto-approve', '-input=false']);
    const out = await outputs(ws);
    assert.equal(out.version!.value, '1.1.0');
    assert.equal(out.message!.value, 'hello from 1.1.0');
  });

  it('6. modules.v1 through tf-oci-registry: `~> 1.0` picks 1.1.0', async () => {
    const cli = `host "${REGISTRY_HOST}" {\n  services = {\n    "modules.v1" = "${stack.server.url}/v1/modules/"\n  }\n}\n`;
    const ws = await workspace(cli, moduleTf(`${REGISTRY_HOST}/acme/greeting/null`, '~> 1.0'));
    await ws.runOk(['init', '-input=false']);
    await ws.runOk(['apply', '-auto-approve', '-input=false']);
    assert.equal((await outputs(ws)).version!.value, '1.1.0');
  });

  it("7. oci_mirror refuses a version that was never published, with tofu's own message", async () => {
    const ws = await workspace(ociMirrorBlock(registryHostPort), mainTf(ADDRESS, '~> 9.0'));
    const r = await ws.run(['init', '-input=false']);
    assert.notEqual(r.code, 0);
    assert.match(r.flat, /no available releases match the given constraints ~> 9\.0/);
  });
});
