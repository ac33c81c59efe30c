// The OCI registry implementations the integration tests can run against, and which one a run uses:
// CNCF Distribution 2.8 (Debian's docker-registry, the default), CNCF Distribution v3 and
// go-containerregistry's `crane registry serve`, both built with Go by .ci/build-registries.sh and cached
// under ${TF_OCI_TOOLS_DIR:-~/.cache/tf-oci-registry/bin}. `TF_OCI_TEST_REGISTRY` selects the one that
// startDistribution() starts (docs/registries.md#testing-against-another-registry); each implementation
// declares what it offers, so a test that needs htpasswd, token auth, content kept across a restart or
// manifests stored as files skips on one that lacks it, naming why.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_IMPLEMENTATIONS = ['distribution-2.8', 'distribution-3', 'crane'] as const;
export type RegistryImplementation = (typeof REGISTRY_IMPLEMENTATIONS)[number];

/** What a test may need from the registry beyond the OCI distribution API without auth. */
export type RegistryNeed =
  /** HTTP Basic auth against an htpasswd file. */
  | 'htpasswd'
  /** Token auth (docs/design/oci-registries.md §1(c)) against test/support/token-server.ts. */
  | 'token'
  /** Manifests and tags survive kill() + restart(). */
  | 'restart'
  /** Manifests are files in the storage directory (tests that corrupt one in place). */
  | 'manifest-files'
  /** DELETE of a manifest by digest removes the tags pointing at it (spec 1.1; deleting versions relies on it). */
  | 'delete-drops-tags';

/** Where an implementation departs from the OCI distribution spec 1.1 (docs/registries.md). */
export interface RegistryQuirks {
  /** DELETE of a manifest by digest leaves the tags that pointed at it, still serving it. */
  keepsTagsOfDeletedManifest?: boolean;
  /** Manifests referencing blobs the registry does not have are stored anyway. */
  acceptsDanglingReferences?: boolean;
  /** POST …/blobs/uploads/?mount=…&from=… opens an upload session instead of mounting (202, not 201). */
  noCrossRepositoryMount?: boolean;
  /** Blobs are not scoped to repositories: any repository serves every blob the registry holds. */
  globalBlobs?: boolean;
}

export interface RegistryTraits {
  implementation: RegistryImplementation;
  /** Human name for test titles and messages. */
  label: string;
  /** The binary, and the command that builds it when it is missing. */
  binary: string;
  build: string;
  offers: ReadonlySet<RegistryNeed>;
  quirks: RegistryQuirks;
}

export const DISTRIBUTION_V3_VERSION = '3.1.2';
export const CRANE_VERSION = '0.22.1';

function toolsDir(): string {
  return process.env['TF_OCI_TOOLS_DIR'] ?? join(homedir(), '.cache', 'tf-oci-registry', 'bin');
}

/** The traits of one implementation; binaries may be moved with TF_OCI_DISTRIBUTION3 / TF_OCI_CRANE. */
export function registryTraits(implementation: RegistryImplementation): RegistryTraits {
  switch (implementation) {
    case 'distribution-2.8':
      return {
        implementation,
        label: 'Distribution 2.8',
        binary: '/usr/bin/docker-registry',
        build: 'apt-get install docker-registry',
        offers: new Set(['htpasswd', 'token', 'restart', 'manifest-files', 'delete-drops-tags']),
        quirks: {},
      };
    case 'distribution-3':
      return {
        implementation,
        label: `Distribution ${DISTRIBUTION_V3_VERSION}`,
        binary: process.env['TF_OCI_DISTRIBUTION3'] ?? join(toolsDir(), `distribution-v${DISTRIBUTION_V3_VERSION}`, 'registry'),
        build: 'bash .ci/build-registries.sh',
        offers: new Set(['htpasswd', 'token', 'restart', 'manifest-files', 'delete-drops-tags']),
        quirks: {},
      };
    case 'crane':
      // In-memory manifests, blobs on disk (--disk), no auth and no TLS of its own (a TLS front is added).
      return {
        implementation,
        label: `crane registry ${CRANE_VERSION}`,
        binary: process.env['TF_OCI_CRANE'] ?? join(toolsDir(), `crane-v${CRANE_VERSION}`, 'crane'),
        build: 'bash .ci/build-registries.sh',
        offers: new Set(),
        quirks: { keepsTagsOfDeletedManifest: true, acceptsDanglingReferences: true, noCrossRepositoryMount: true, globalBlobs: true },
      };
  }
}

/** The implementation `TF_OCI_TEST_REGISTRY` names (default Distribution 2.8); a typo fails loudly. */
export function selectedImplementation(env: NodeJS.ProcessEnv = process.env): RegistryImplementation {
  const raw = env['TF_OCI_TEST_REGISTRY'];
  if (raw === undefined || raw === '') return 'distribution-2.8';
  const found = REGISTRY_IMPLEMENTATIONS.find((i) => i === raw);
  if (!found) throw new Error(`TF_OCI_TEST_REGISTRY=${raw} is not one of ${REGISTRY_IMPLEMENTATIONS.join(', ')}`);
  return found;
}

/** True when the implementation's binary is there. */
export function isInstalled(implementation: RegistryImplementation): boolean {
  return existsSync(registryTraits(implementation).binary);
}

/**
 * Test options for a suite on the selected registry: skips (loudly) when its binary is missing, or throws
 * in CI, like requireTool; skips, naming the reason, when the implementation lacks something the suite
 * needs (by design, so also in CI). Use as `describe('…', requireRegistry(['token']), …)`.
 */
export function requireRegistry(
  needs: readonly RegistryNeed[] = [],
  implementation: RegistryImplementation = selectedImplementation(),
): { skip?: string } {
  const traits = registryTraits(implementation);
  if (!existsSync(traits.binary)) {
    const message = `MISSING REGISTRY ${traits.label} (${traits.binary}): its integration tests are SKIPPED; build it with: ${traits.build}`;
    if (process.env['CI']) throw new Error(`${message} — refusing to skip in CI`);
    process.stderr.write(`\n!!!!!!!! ${message}\n\n`);
    return { skip: message };
  }
  const lacking = needs.filter((n) => !traits.offers.has(n));
  if (lacking.length > 0) return { skip: `${traits.label} does not offer ${lacking.join(', ')} (docs/registries.md)` };
  return {};
}

/** The first skip of several test options (tools and registry). */
export function firstSkip(...options: Array<{ skip?: string }>): { skip?: string } {
  const found = options.find((o) => o.skip !== undefined);
  return found ? { skip: found.skip as string } : {};
}

/** The label of the selected implementation, for suite titles. */
export function registryLabel(): string {
  return registryTraits(selectedImplementation()).label;
}
