// The [[mirror.service]] tables: additional provider network mirrors served by the same process, each
// under its own base path from its own store, with its own download mode and pull-through upstreams
// (docs/mirror.md#several-mirror-services). Keys of one service:
//   name           short name for logs and messages (lowercase letters, digits, -)           (required)
//   base_path      path of this mirror, e.g. "/mirrors/team-a/"                               (required)
//   url | path     the store: a registry base URL, or an OCI image-layout directory (exactly one)
//   prefix         repository name prefix in that store (default "")
//   plain_http     allow an http:// url (default false)
//   username, password   service mode: the store's credential; delegate mode: the credential
//                  pull-through writes with (callers' own tokens are used for reads, as on [storage])
//   download_mode  "proxy" | "redirect" | "direct" (default: server.download_mode)
//   upstream_ttl   seconds an upstream version listing is reused (default: mirror.upstream_ttl)
//   [[mirror.service.upstream]]  pull-through upstreams, the keys of [[mirror.upstream]]
import { ConfigError, type DownloadMode, type MirrorServiceConfig } from './config.js';
import { parseMirrorUpstreams } from './mirror-upstreams.js';
import { checkDownloadMode, checkStorage } from './storage-config.js';

const KEYS = new Set([
  'name',
  'base_path',
  'url',
  'path',
  'prefix',
  'plain_http',
  'username',
  'password',
  'download_mode',
  'upstream',
  'upstream_ttl',
]);
const MODES: readonly DownloadMode[] = ['proxy', 'redirect', 'direct'];

export interface ServiceDefaults {
  downloadMode: DownloadMode;
  upstreamTtl: number;
  authMode: string;
  /** Base paths already taken (the main mirror's); a service's may neither equal nor nest in them. */
  takenPaths: readonly string[];
}

export function parseMirrorServices(raw: readonly unknown[] | undefined, defaults: ServiceDefaults): MirrorServiceConfig[] {
  const out: MirrorServiceConfig[] = [];
  const taken = [...defaults.takenPaths];
  (raw ?? []).forEach((item, i) => {
    let where = `"mirror.service" entry #${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ConfigError(`${where} must be a table`);
    const e = item as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (!KEYS.has(k)) throw new ConfigError(`${where}: unknown key "${k}" (a service has ${[...KEYS].join(', ')})`);
    }
    const name = e.name;
    if (typeof name !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) {
      throw new ConfigError(`${where}: "name" is required: lowercase letters, digits and "-", e.g. "team-a"`);
    }
    if (out.some((s) => s.name === name)) throw new ConfigError(`"mirror.service" ${name} is configured twice`);
    where = `"mirror.service" ${name}`;
    const key = (k: string) => `mirror.service ${name}: ${k}`;

    const basePath = parseBasePath(e.base_path, where);
    const clash = taken.find((t) => t.startsWith(basePath) || basePath.startsWith(t));
    if (clash !== undefined) throw new ConfigError(`${where}: "base_path" ${basePath} overlaps the mirror at ${clash}`);
    taken.push(basePath);

    const url = optional(e.url, 'string', where, 'url');
    const path = optional(e.path, 'string', where, 'path');
    if ((url === undefined) === (path === undefined)) {
      throw new ConfigError(`${where}: give exactly one store: "url" (a registry) or "path" (an OCI image-layout directory)`);
    }
    const username = optional(e.username, 'string', where, 'username');
    const password = optional(e.password, 'string', where, 'password');
    if ((username === undefined) !== (password === undefined)) {
      throw new ConfigError(`${where}: "username" and "password" must be given together`);
    }
    const delegate = defaults.authMode === 'delegate';
    if (delegate && path !== undefined) {
      throw new ConfigError(
        `${where}: auth.mode = "delegate" needs a registry store ("url"): a layout directory has no registry to delegate to`,
      );
    }
    const storage = checkStorage(
      {
        kind: url !== undefined ? 'registry' : 'layout',
        url,
        path: path ?? '',
        prefix: optional(e.prefix, 'string', where, 'prefix') ?? '',
        plainHttp: optional(e.plain_http, 'boolean', where, 'plain_http') ?? false,
        // Delegate mode: the store has no credential of its own (callers' tokens are used); the pair is
        // the pull-through writer instead, as mirror.username/password are for [storage].
        username: delegate ? undefined : username,
        password: delegate ? undefined : password,
      },
      key,
    );
    const mode = optional(e.download_mode, 'string', where, 'download_mode') ?? defaults.downloadMode;
    if (!MODES.includes(mode as DownloadMode)) {
      throw new ConfigError(`${where}: "download_mode" must be one of ${MODES.map((m) => `"${m}"`).join(', ')}`);
    }
    const downloadMode = checkDownloadMode(mode as DownloadMode, storage, defaults.authMode, key('download_mode'));
    const upstreams = parseMirrorUpstreams(e.upstream as unknown[] | undefined, `mirror.service ${name}: upstream`);
    if (e.upstream !== undefined && !Array.isArray(e.upstream)) throw new ConfigError(`${where}: "upstream" must be a list of tables`);
    if (upstreams.length > 0 && delegate && username === undefined) {
      throw new ConfigError(
        `${where}: pull-through in delegate mode needs "username" and "password": a service credential with push rights that mirrored providers are written with`,
      );
    }
    const ttl = optional(e.upstream_ttl, 'number', where, 'upstream_ttl') ?? defaults.upstreamTtl;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 86400)
      throw new ConfigError(`${where}: "upstream_ttl" must be an integer from 0 to 86400`);
    out.push({
      name,
      basePath,
      storage,
      downloadMode,
      upstreams,
      upstreamTtl: ttl,
      ...(delegate && username !== undefined ? { writer: { username, password: password ?? '' } } : {}),
    });
  });
  return out;
}

/** A mirror path: starts and ends with "/", not "/" itself nor any of the registry's own paths. */
export function parseBasePath(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${where}: "base_path" is required, e.g. "/mirrors/team-a/"`);
  let basePath = value;
  if (!basePath.startsWith('/')) basePath = `/${basePath}`;
  if (!basePath.endsWith('/')) basePath = `${basePath}/`;
  if (!/^(\/[A-Za-z0-9._~-]+)+\/$/.test(basePath)) {
    throw new ConfigError(
      `${where}: "base_path" ${JSON.stringify(value)} must be slash-separated path segments (letters, digits, . _ ~ -)`,
    );
  }
  for (const own of ['/v1/', '/api/', '/.well-known/', '/download/', '/healthz/', '/readyz/']) {
    if (basePath.startsWith(own)) throw new ConfigError(`${where}: "base_path" ${basePath} collides with the registry's own path ${own}`);
  }
  return basePath;
}

function optional(value: unknown, type: 'string', where: string, key: string): string | undefined;
function optional(value: unknown, type: 'boolean', where: string, key: string): boolean | undefined;
function optional(value: unknown, type: 'number', where: string, key: string): number | undefined;
function optional(value: unknown, type: string, where: string, key: string): unknown {
  if (value === undefined) return undefined;
  // TOML integers arrive as numbers (smol-toml) or bigints when very large; JSON gives numbers.
  const v = typeof value === 'bigint' ? Number(value) : value;
  if (typeof v !== type) throw new ConfigError(`${where}: "${key}" must be a ${type}`);
  return v;
}
