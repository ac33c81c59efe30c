// The older terraform and OpenTofu releases CI also builds (TF_OCI_TERRAFORM_EXTRA, TF_OCI_TOFU_EXTRA:
// terraform 1.5.7 and tofu 1.6.3, see .ci/run and the README's tested-versions table) against
// tf-oci-registry: the core of the registry protocols each user meets, not the whole suite (CI's 90
// minutes): providers.v1 install + apply with a complete lock, `providers lock` for several platforms,
// the network mirror satisfying that lock, and modules.v1. Skipped when the variable is not set.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registryLabel, requireRegistry, requireTool } from '../support/distribution.js';
import {
  type CliTool,
  optionalCliSkipReason,
  requireCli,
  TERRAFORM_EXTRA,
  terraformWorkspace,
  TOFU_EXTRA,
  type TerraformWorkspace,
} from '../support/terraform.js';
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

const ADDRESS = `${REGISTRY_HOST}/${NAMESPACE}/${TYPE}`;
const envSkip = requireRegistry().skip || requireTool('gpg', 'zip', 'go', 'openssl').skip || false;

const moduleTf = (source: string, version: string) => ({
  'main.tf': `module "m" {\n  source  = "${source}"\n  version = "${version}"\n}\noutput "version" { value = module.m.version }\n`,
});

function suite(tool: CliTool): void {
  const skip = optionalCliSkipReason(tool) || envSkip;
  const title = `${tool.name} (${tool.envVar}) end-to-end on ${registryLabel()}: registry, lock, mirror, modules`;
  test(title, { skip }, () => {});

  describe(title, { skip }, () => {
    let bin: string;
    let stack: Stack;
    let releases: Releases;
    let registryLock = '';
    const workspaces: TerraformWorkspace[] = [];

    async function workspace(cliConfig: string, files: Record<string, string>): Promise<TerraformWorkspace> {
      const ws = await terraformWorkspace({ terraform: bin, cliConfig, files, env: { SSL_CERT_FILE: stack.tls.caPath } });
      workspaces.push(ws);
      return ws;
    }

    before(async () => {
      bin = requireCli(tool);
      releases = await buildReleases(['1.0.0', '1.1.0']);
      stack = await startStack();
      await publishReleases(stack, releases);
      await publishGreetingModule(stack, ['1.0.0', '1.1.0', '2.0.0']);
    });
    after(async () => {
      for (const ws of workspaces) await ws.cleanup();
      await stack?.stop();
      await releases?.signer.cleanup();
    });

    it('reports its version', async () => {
      const ws = await workspace('', {});
      const r = await ws.runOk(['version']);
      assert.match(r.stdout, /^(Terraform|OpenTofu) v\d+\.\d+\.\d+/);
    });

    it('installs and runs the provider through providers.v1; the lock has h1 and every zh', async () => {
      const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '~> 1.0'));
      registryLock = await installAndApply(ws, ADDRESS, releases.byVersion['1.1.0']!);
    });

    it("`providers lock` for several platforms records each platform's h1 and zh", async () => {
      const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url), mainTf(ADDRESS, '1.0.0'));
      await ws.runOk(['providers', 'lock', ...PLATFORMS.map((p) => `-platform=${p.os}_${p.arch}`)]);
      const lock = (await ws.readLockFile())![ADDRESS]!;
      assertLocksEveryPlatform(lock, releases.byVersion['1.0.0']!);
    });

    it('the network mirror installs the same bytes, satisfying the registry-made lock unchanged', async () => {
      assert.ok(registryLock, 'the providers.v1 scenario ran first');
      const ws = await workspace(mirrorBlock(stack.server.url), mainTf(ADDRESS, '~> 1.0'));
      await writeFile(join(ws.dir, '.terraform.lock.hcl'), registryLock);
      await ws.runOk(['init', '-input=false']);
      assert.match((await ws.runOk(['apply', '-auto-approve', '-input=false'])).flat, /provider_version = "1\.1\.0"/);
      assert.equal(await readFile(join(ws.dir, '.terraform.lock.hcl'), 'utf8'), registryLock);
    });

    it('modules.v1: `~> 1.0` picks 1.1.0', async () => {
      const cli = `host "${REGISTRY_HOST}" {\n  services = {\n    "modules.v1" = "${stack.server.url}/v1/modules/"\n  }\n}\n`;
      const ws = await workspace(cli, moduleTf(`${REGISTRY_HOST}/${NAMESPACE}/greeting/null`, '~> 1.0'));
      await ws.runOk(['init', '-input=false']);
      await ws.runOk(['apply', '-auto-approve', '-input=false']);
      const out = JSON.parse((await ws.runOk(['output', '-json'])).stdout) as Record<string, { value: string }>;
      assert.equal(out.version!.value, '1.1.0');
    });
  });
}

suite(TERRAFORM_EXTRA);
suite(TOFU_EXTRA);
