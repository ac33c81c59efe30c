// Repository names and tags: where a Terraform provider or module version lives in an OCI registry.
// Pure; the whole layout at a glance (docs/design/protocols.md §1 and §2; media types in media-types.ts):
//
//   <prefix>/providers/<hostname>/<namespace>/<type>          e.g. tf/providers/registry.example.com/acme/foo
//   │   hostname: lowercase punycode; a port is written "_port" (example.com:8443 -> example.com_8443)
//   ├── tag 1.2.3                     version with "+" -> "_" (1.2.3+b.1 -> 1.2.3_b.1); other tags ignored
//   │   └── image index   artifactType application/vnd.opentofu.provider
//   │       │             annotations io.tf-oci-registry.protocols "5.0,6.0", io.tf-oci-registry.key-id,
//   │       │                         org.opencontainers.image.version
//   │       ├── entry     artifactType …provider-target, platform {architecture, os}, annotations {h1, title}
//   │       │   └── image manifest  artifactType …provider-target, config = empty descriptor "{}"
//   │       │       └── layer archive/zip   the upstream zip, byte-identical: digest hex = zh: = SHA256SUMS
//   │       │                               line; artifactType …providerpkg, platform, annotations {h1, title}
//   │       ├── entry     … one per (os, arch), sorted …
//   │       └── entry     artifactType application/vnd.tf-oci-registry.provider-metadata.v1
//   │           │         (tofu skips entries with other artifactTypes, docs/design/protocols.md §1.4)
//   │           └── image manifest  config = empty descriptor; layers:
//   │               ├── application/vnd.tf-oci-registry.sha256sums        title terraform-provider-foo_1.2.3_SHA256SUMS
//   │               ├── application/pgp-signature (binary, detached)      title …_SHA256SUMS.sig
//   │               ├── application/pgp-keys (armored)                    annotation key-id
//   │               └── application/vnd.tf-oci-registry.registry-manifest+json (optional) title …_manifest.json
//   └── tag 1.3.0 …
//
//   <prefix>/modules/<hostname>/<namespace>/<name>/<system>    e.g. tf/modules/registry.example.com/acme/vpc/aws
//   └── tag 1.0.0                     same tag rule (tofu's oci:// defaults to tag "latest": we never write it)
//       └── image manifest   artifactType application/vnd.opentofu.modulepkg, config = empty descriptor
//           └── layer archive/zip   the module package (zip root = module root), title <filename>
import { domainToASCII } from 'node:url';
import semverParse from 'semver/functions/parse.js';
import { REPOSITORY_NAME_RE, TAG_RE } from '../oci/types.js';
import { LayoutError } from './errors.js';

const DNS_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** One OCI path component: the repository grammar without `/`. */
const OCI_COMPONENT_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

/**
 * Normalizes a Terraform hostname the way `svchost.ForComparison` does (docs/design/protocols.md §7 "Ports"): lowercase,
 * IDN to punycode, default `:443` dropped, another port kept as `host:port`. Userinfo, paths, schemes,
 * IP-literal brackets and empty input are refused.
 */
export function normalizeHostname(input: string): string {
  const bad = (why: string): LayoutError => new LayoutError('INVALID_NAME', `invalid hostname ${JSON.stringify(input)}: ${why}`);
  if (input.length === 0) throw bad('empty');
  if (/[\s/\\@?#[\]]/.test(input)) throw bad('only a host name and an optional :port are allowed');
  const colon = input.lastIndexOf(':');
  let host = colon === -1 ? input : input.slice(0, colon);
  let port = colon === -1 ? '' : input.slice(colon + 1);
  if (host.includes(':')) throw bad('more than one ":"');
  if (colon !== -1 && !/^[1-9][0-9]{0,4}$/.test(port)) throw bad(`port ${JSON.stringify(port)} is not a number 1-65535`);
  if (port !== '' && Number(port) > 65535) throw bad(`port ${port} is out of range`);
  if (port === '443') port = '';
  if (host.endsWith('.')) throw bad('a trailing "." is not allowed');
  const lower = host.toLowerCase();
  host = domainToASCII(lower);
  // For ASCII input the URL parser only lowercases, unless it reads the name as an IPv4 form (0x7f.1).
  if (/^[\x00-\x7f]*$/.test(lower) && host !== lower && host !== '') throw bad(`not a canonical host name (reads as ${host})`);
  if (host === '' || host.length > 253 || !host.split('.').every((l) => DNS_LABEL_RE.test(l))) {
    throw bad('not a valid DNS name (letters, digits, dashes, dot-separated labels)');
  }
  return port === '' ? host : `${host}:${port}`;
}

/**
 * The repository path component for a normalized hostname. OCI names cannot hold `:`, so the port separator
 * is written `_`; DNS names never contain `_`, so `example.com_8443` decodes unambiguously.
 */
export function hostnameToComponent(hostname: string): string {
  return normalizeHostname(hostname).replace(':', '_');
}

/** Inverse of {@link hostnameToComponent}: `example.com_8443` -> `example.com:8443`. */
export function componentToHostname(component: string): string {
  return normalizeHostname(component.replace('_', ':'));
}

/** Provider namespace (Terraform `ParseProviderPart`): letters, digits, single dashes inside, 1-64; lowercased. */
export function normalizeProviderNamespace(input: string): string {
  return part(
    'provider namespace',
    input,
    input.toLowerCase(),
    /^(?!.*--)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
    'letters, digits and dashes, 1-64 characters, no leading, trailing or doubled dash',
  );
}

/** Provider type: a letter, then letters, digits and single dashes, up to 64; lowercased. */
export function normalizeProviderType(input: string): string {
  return part(
    'provider type',
    input,
    input.toLowerCase(),
    /^(?!.*--)[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
    'a letter, then letters, digits and dashes, up to 64 characters, no trailing or doubled dash',
  );
}

/** Module namespace (Terraform `regsrc` name rule: alnum ends, `-`/`_` inside, up to 64); lowercased. */
export function normalizeModuleNamespace(input: string): string {
  return part(
    'module namespace',
    input,
    input.toLowerCase(),
    /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/,
    'letters, digits, dashes and underscores, 1-64 characters, starting and ending with a letter or digit',
  );
}

/** Module name: same rule as the module namespace; lowercased. */
export function normalizeModuleName(input: string): string {
  return part(
    'module name',
    input,
    input.toLowerCase(),
    /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/,
    'letters, digits, dashes and underscores, 1-64 characters, starting and ending with a letter or digit',
  );
}

/** Module target system (Terraform `[0-9a-z]{1,64}`): lowercase letters and digits only, not case-folded. */
export function normalizeModuleSystem(input: string): string {
  return part('module system', input, input, /^[a-z0-9]{1,64}$/, 'lowercase letters and digits, 1-64 characters');
}

function part(what: string, input: string, value: string, re: RegExp, rule: string): string {
  if (!re.test(value)) {
    throw new LayoutError('INVALID_NAME', `invalid ${what} ${JSON.stringify(input)}: ${rule}`);
  }
  if (!OCI_COMPONENT_RE.test(value)) {
    throw new LayoutError(
      'INVALID_NAME',
      `invalid ${what} ${JSON.stringify(input)}: not usable as an OCI repository path component ` +
        '(separators "_", "__", "." and dashes must stand between letters or digits)',
    );
  }
  return value;
}

function repository(prefix: string, components: string[]): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const name = [...(trimmed === '' ? [] : [trimmed]), ...components].join('/');
  if (!REPOSITORY_NAME_RE.test(name)) {
    throw new LayoutError('INVALID_NAME', `repository name ${JSON.stringify(name)} does not match the OCI grammar (check the prefix)`);
  }
  return name;
}

/**
 * `<prefix>/providers/<hostname>/<namespace>/<type>`; an empty prefix gives no leading slash. Every part is
 * normalized and validated; the hostname's port is encoded as `_port` ({@link hostnameToComponent}).
 */
export function providerRepository(prefix: string, hostname: string, namespace: string, type: string): string {
  return repository(prefix, [
    'providers',
    hostnameToComponent(hostname),
    normalizeProviderNamespace(namespace),
    normalizeProviderType(type),
  ]);
}

/** `<prefix>/modules/<hostname>/<namespace>/<name>/<system>`, normalized and validated like providers. */
export function moduleRepository(prefix: string, hostname: string, namespace: string, name: string, system: string): string {
  return repository(prefix, [
    'modules',
    hostnameToComponent(hostname),
    normalizeModuleNamespace(namespace),
    normalizeModuleName(name),
    normalizeModuleSystem(system),
  ]);
}

/** The canonical form of a strict semver string, or null (`v1.0.0`, `1.0`, `01.0.0` are not canonical). */
export function canonicalVersion(input: string): string | null {
  const parsed = semverParse(input, { loose: false });
  if (parsed === null) return null;
  const canonical = parsed.build.length > 0 ? `${parsed.version}+${parsed.build.join('.')}` : parsed.version;
  return canonical === input ? canonical : null;
}

/**
 * The tag of a version: `+` -> `_`, as OpenTofu looks it up (docs/design/protocols.md §1.2,
 * `strings.ReplaceAll(version.String(), "+", "_")`). Only canonical versions are accepted.
 */
export function versionToTag(version: string): string {
  if (canonicalVersion(version) === null) {
    throw new LayoutError(
      'INVALID_VERSION',
      `invalid version ${JSON.stringify(version)}: expected canonical MAJOR.MINOR.PATCH[-pre][+build] (no "v" prefix)`,
    );
  }
  const tag = version.replaceAll('+', '_');
  if (!TAG_RE.test(tag))
    throw new LayoutError('INVALID_VERSION', `version ${JSON.stringify(version)} is too long for an OCI tag (128 characters)`);
  return tag;
}

/**
 * The version a tag stands for, or null for tags that are not versions (`latest`, `v1.0.0`, `1.0`). Stricter
 * than tofu, which would list `1.0` as 1.0.0 and then fail to resolve it (docs/design/protocols.md §1.2 pitfall).
 */
export function tagToVersion(tag: string): string | null {
  return canonicalVersion(tag.replaceAll('_', '+'));
}
