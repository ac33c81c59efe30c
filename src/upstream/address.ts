// Provider source addresses and platform names as Terraform writes them: `hostname/namespace/type`
// (https://developer.hashicorp.com/terraform/language/providers/requirements#source-addresses) and `os_arch`.
import { UpstreamError } from './errors.js';
import type { Platform, ProviderAddress } from './types.js';

/** Terraform's default registry host; OpenTofu's is `registry.opentofu.org`. */
export const DEFAULT_REGISTRY_HOST = 'registry.terraform.io';

// A namespace or type: letters, digits and dashes, no leading or trailing dash (compared lower-case).
const PART_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
// A DNS name (ASCII / punycode) with an optional port.
const HOST_RE = /^(?=.{1,253}(?::|$))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::[0-9]{1,5})?$/;

/**
 * Parses `namespace/type` or `hostname/namespace/type` (case-insensitive) into a lower-case address.
 * UpstreamError BAD_INPUT names the part that is wrong.
 */
export function parseProviderAddress(text: string, defaultHostname: string = DEFAULT_REGISTRY_HOST): ProviderAddress {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length !== 2 && parts.length !== 3) {
    throw new UpstreamError(
      'BAD_INPUT',
      `provider address ${JSON.stringify(text)}: expected "namespace/type" or "hostname/namespace/type"`,
    );
  }
  const [hostname, namespace, type] = (parts.length === 2 ? [defaultHostname.toLowerCase(), ...parts] : parts) as [string, string, string];
  return checkProviderAddress({ hostname, namespace, type }, text);
}

/** Validates an address given as parts (e.g. from a directory walk), returning it lower-cased. */
export function checkProviderAddress(address: ProviderAddress, shown: string = formatProviderAddress(address)): ProviderAddress {
  const a = { hostname: address.hostname.toLowerCase(), namespace: address.namespace.toLowerCase(), type: address.type.toLowerCase() };
  const bad = (why: string) => new UpstreamError('BAD_INPUT', `provider address ${JSON.stringify(shown)}: ${why}`);
  if (!HOST_RE.test(a.hostname)) throw bad(`invalid hostname ${JSON.stringify(a.hostname)}`);
  if (!PART_RE.test(a.namespace)) throw bad(`invalid namespace ${JSON.stringify(a.namespace)} (letters, digits and inner dashes)`);
  if (!PART_RE.test(a.type)) throw bad(`invalid type ${JSON.stringify(a.type)} (letters, digits and inner dashes)`);
  return a;
}

export function formatProviderAddress(a: ProviderAddress): string {
  return `${a.hostname}/${a.namespace}/${a.type}`;
}

/** `linux_amd64` */
export function platformKey(p: Platform): string {
  return `${p.os}_${p.arch}`;
}

/** Parses `os_arch` (both lower-case letters and digits). UpstreamError BAD_INPUT otherwise. */
export function parsePlatform(text: string): Platform {
  const m = /^([a-z0-9]+)_([a-z0-9]+)$/.exec(text.trim().toLowerCase());
  if (!m) throw new UpstreamError('BAD_INPUT', `platform ${JSON.stringify(text)}: expected "<os>_<arch>", e.g. "linux_amd64"`);
  return { os: m[1] as string, arch: m[2] as string };
}

/** The zip name Terraform's release tooling and `terraform providers mirror` use. */
export function packageFilename(type: string, version: string, p: Platform): string {
  return `terraform-provider-${type}_${version}_${p.os}_${p.arch}.zip`;
}
