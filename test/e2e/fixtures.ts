// Shared pieces of the terraform end-to-end scenarios: the provider releases (built from the Go source
// under test/fixtures/provider, zipped and signed like GoReleaser output), the configurations and the
// CLI-config blocks a user writes.
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moduleFiles, zipOf } from '../modules/support/archives.js';
import { buildTestProvider, type ProviderRelease } from '../support/provider-build.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import type { LockedProvider, TerraformWorkspace } from '../support/terraform.js';
import type { Stack } from './stack.js';

export const NAMESPACE = 'acme';
export const TYPE = 'tfocitest';
export const PLATFORMS = [
  { os: 'linux', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
  { os: 'windows', arch: 'amd64' },
];

export interface Releases {
  signer: TestSigner;
  byVersion: Record<string, ProviderRelease>;
}

/** Builds and signs the given versions (cached builds make repeated runs fast). */
export async function buildReleases(versions: string[]): Promise<Releases> {
  const signer = await createTestSigner();
  const byVersion: Record<string, ProviderRelease> = {};
  for (const version of versions) {
    const outDir = await mkdtemp(join(tmpdir(), `tfoci-release-${version}-`));
    byVersion[version] = await buildTestProvider({ version, platforms: PLATFORMS, outDir, sign: (p) => signer.sign(p), tarball: true });
  }
  return { signer, byVersion };
}

/** Publishes every built version through the publishing API (as `token`, if given); each must end uploaded. */
export async function publishReleases(stack: Stack, releases: Releases, token?: string): Promise<void> {
  for (const [version, release] of Object.entries(releases.byVersion)) {
    const r = await stack.api.publish({
      namespace: NAMESPACE,
      type: TYPE,
      version,
      armoredKey: releases.signer.publicKeyArmored,
      tarballPath: release.tarballPath!,
      ...(token ? { token } : {}),
    });
    assert.equal(r.upload.status, 200, JSON.stringify(r.upload.body));
    assert.equal(r.upload.body.data.attributes.status, 'uploaded', JSON.stringify(r.upload.body));
  }
}

/** Registers the module acme/greeting/null and publishes `versions` of it (moduleFiles) through the API. */
export async function publishGreetingModule(stack: Stack, versions: string[]): Promise<void> {
  const mod = await stack.api.call('POST', '/api/v1/modules', {
    json: { data: { type: 'modules', attributes: { namespace: NAMESPACE, name: 'greeting', system: 'null' } } },
  });
  assert.equal(mod.status, 201, JSON.stringify(mod.body));
  for (const version of versions) {
    const zip = await zipOf(Object.entries(moduleFiles(version)).map(([name, content]) => ({ name, content })));
    const put = await stack.api.call('PUT', `/api/v1/modules/${mod.body.data.id}/versions/${version}`, { body: zip });
    assert.equal(put.status, 201, JSON.stringify(put.body));
  }
}

/** Asserts the lock entry holds the h1 and the zh of every platform of `release`. */
export function assertLocksEveryPlatform(lock: LockedProvider, release: ProviderRelease): void {
  for (const p of release.packages) {
    assert.ok(lock.hashes.includes(p.h1), `h1 of ${p.os}_${p.arch}`);
    assert.ok(lock.hashes.includes(p.zh), `zh of ${p.os}_${p.arch}`);
  }
}

/**
 * `init` and `apply` in `ws` (configured with mainTf(ADDRESS, '~> 1.0') through providers.v1): the provider
 * of `release` (1.1.0) runs, and the lock holds the installed package's h1 and every platform's zh.
 * Resolves with the lock file's text.
 */
export async function installAndApply(ws: TerraformWorkspace, address: string, release: ProviderRelease): Promise<string> {
  await ws.runOk(['init', '-input=false']);
  const apply = await ws.runOk(['apply', '-auto-approve', '-input=false']);
  assert.match(apply.flat, new RegExp(`provider_version = "${release.version.replace(/\./g, '\\.')}"`));
  assert.match(apply.flat, /result = "hello from tf-oci-registry"/);
  const lock = (await ws.readLockFile())![address]!;
  assert.equal(lock.version, release.version);
  const host = release.packages.find((p) => p.os === 'linux' && p.arch === 'amd64')!;
  assert.ok(lock.hashes.includes(host.h1), `lock has the installed package's h1 ${host.h1}: ${lock.hashes}`);
  for (const p of release.packages) assert.ok(lock.hashes.includes(p.zh), `lock has ${p.os}_${p.arch} ${p.zh}`);
  return readFile(join(ws.dir, '.terraform.lock.hcl'), 'utf8');
}

/** A configuration that installs the provider from `source`, runs it, and outputs what it ran. */
export function mainTf(source: string, constraint: string): Record<string, string> {
  return {
    'main.tf': `
terraform {
  required_providers {
    tfocitest = {
      source  = "${source}"
      version = "${constraint}"
    }
  }
}

resource "tfocitest_echo" "greeting" {
  value = "hello from tf-oci-registry"
}

data "tfocitest_info" "build" {}

output "result" {
  value = tfocitest_echo.greeting.result
}

output "provider_version" {
  value = data.tfocitest_info.build.version
}
`,
  };
}

/** CLI config mapping the registry hostname to the server without DNS (a `host` block). */
export function hostBlock(hostname: string, serverUrl: string, extra = ''): string {
  return `host "${hostname}" {
  services = {
    "providers.v1" = "${serverUrl}/v1/providers/"
  }
}
${extra}`;
}

/** CLI config installing every provider through the network mirror. */
export function mirrorBlock(serverUrl: string, extra = ''): string {
  return `provider_installation {
  network_mirror {
    url = "${serverUrl}/mirror/"
  }
}
${extra}`;
}
