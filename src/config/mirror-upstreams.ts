// The [[mirror.upstream]] tables: provider hostnames the network mirror may fetch from (pull-through) and
// the import command reads by default (docs/mirror.md). Checked as a whole; every error names the entry.
//   hostname      provider hostname served by pull-through, e.g. "registry.terraform.io" (required)
//   url           where its service discovery lives (default https://<hostname>/)
//   signing_keys  ASCII-armored public keys: when given, releases must be signed by one of these, whatever
//                 keys the upstream returns (pinning)
import { normalizeHostname } from '../layout/names.js';
import { ConfigError, type MirrorUpstream } from './config.js';

const KEYS = new Set(['hostname', 'url', 'signing_keys']);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export type { MirrorUpstream };

/** `key`: how the list is named in messages ("mirror.upstream", or a mirror service's upstream list). */
export function parseMirrorUpstreams(raw: readonly unknown[] | undefined, key = 'mirror.upstream'): MirrorUpstream[] {
  const out: MirrorUpstream[] = [];
  if (raw !== undefined && !Array.isArray(raw)) throw new ConfigError(`"${key}" must be a list of tables`);
  (raw ?? []).forEach((item, i) => {
    const where = `"${key}" entry #${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new ConfigError(`${where} must be a table {hostname, url, signing_keys}`);
    const e = item as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (!KEYS.has(k)) throw new ConfigError(`${where}: unknown key "${k}" (an upstream has hostname, url, signing_keys)`);
    }
    if (typeof e.hostname !== 'string' || e.hostname === '')
      throw new ConfigError(`${where}: "hostname" is required, e.g. "registry.terraform.io"`);
    let hostname: string;
    try {
      hostname = normalizeHostname(e.hostname);
    } catch (err) {
      throw new ConfigError(`${where}: "hostname": ${(err as Error).message}`);
    }
    const label = `"${key}" ${hostname}`;
    if (out.some((u) => u.hostname === hostname)) throw new ConfigError(`${label} is configured twice`);
    const url = upstreamUrl(e.url, hostname, label);
    const keys = e.signing_keys ?? [];
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' && k.includes('BEGIN PGP PUBLIC KEY BLOCK'))) {
      throw new ConfigError(`${label}: "signing_keys" must be a list of ASCII-armored public keys (-----BEGIN PGP PUBLIC KEY BLOCK-----)`);
    }
    out.push({ hostname, url, signingKeys: keys as string[] });
  });
  return out;
}

function upstreamUrl(value: unknown, hostname: string, label: string): URL {
  if (value === undefined) return new URL(`https://${hostname}/`);
  if (typeof value !== 'string') throw new ConfigError(`${label}: "url" must be a string`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`${label}: "url" is not a URL: ${JSON.stringify(value)}`);
  }
  // Terraform itself only speaks HTTPS to registries; plain HTTP is allowed on loopback for local setups.
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname))) {
    throw new ConfigError(`${label}: "url" must be https:// (http:// only on localhost)`);
  }
  if (u.username || u.password || u.search || u.hash) throw new ConfigError(`${label}: "url" must hold no credentials, query or fragment`);
  if (!u.pathname.endsWith('/')) u.pathname = `${u.pathname}/`;
  return u;
}
