// Turns typed configuration values into the Config the server runs with: derived defaults (public URL
// from listen), cross-key checks (TLS pair, registry URL scheme vs plain_http, prefix grammar, mirror
// path), and the [auth] section. Every error names the key.
import { buildAuthConfig, type AuthConfig } from '../auth/config.js';
import type { AuthMode } from '../auth/access-control.js';
import type { DelegateTokenAs } from '../auth/delegated-credential.js';
import { normalizeHostname } from '../layout/names.js';
import { ConfigError, type Config, type DownloadMode } from './config.js';
import { parseBasePath, parseMirrorServices } from './mirror-services.js';
import { checkDownloadMode, checkStorage } from './storage-config.js';
import { parseMirrorUpstreams } from './mirror-upstreams.js';

/** Reads a typed value (default applied) of `section.key`. */
export type ValueOf = (section: string, key: string) => unknown;

export function buildConfig(v: ValueOf, randomSecret: () => string): Omit<Config, 'proxy'> {
  const listen = parseListen(v('server', 'listen') as string);
  const tls = {
    cert: v('server.tls', 'cert') as string | undefined,
    key: v('server.tls', 'key') as string | undefined,
    selfSigned: v('server.tls', 'self_signed') as boolean,
  };
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new ConfigError('"server.tls.cert" and "server.tls.key" must be given together');
  }
  if (tls.cert !== undefined && tls.selfSigned) throw new ConfigError('"server.tls.self_signed" cannot be combined with "server.tls.cert"');
  const https = tls.cert !== undefined || tls.selfSigned;
  const publicUrl = parsePublicUrl(
    (v('server', 'public_url') as string | undefined) ??
      `${https ? 'https' : 'http'}://${isWildcard(listen.host) ? 'localhost' : hostForUrl(listen.host)}:${listen.port}`,
  );
  let secrets = (v('server', 'secrets') as string[] | undefined) ?? [];
  const secretsGenerated = secrets.length === 0;
  if (secretsGenerated) secrets = [randomSecret()];
  for (const s of secrets) if (s.length < 16) throw new ConfigError('"server.secrets": every secret must be at least 16 characters');

  const kind = v('storage', 'kind') as 'layout' | 'registry';
  const username = v('storage', 'username') as string | undefined;
  const password = v('storage', 'password') as string | undefined;
  const storage = checkStorage(
    {
      kind,
      url: v('storage', 'url') as string | undefined,
      prefix: v('storage', 'prefix') as string,
      path: v('storage', 'path') as string,
      plainHttp: v('storage', 'plain_http') as boolean,
      username,
      password,
    },
    (k) => `storage.${k}`,
  );
  const rawBasePath = v('mirror', 'base_path') as string;
  if (rawBasePath.replace(/^\/+|\/+$/g, '') === '') throw new ConfigError('"mirror.base_path": / collides with the registry\'s own paths');
  const basePath = parseBasePath(rawBasePath, '"mirror.base_path"');
  const upstreams = parseMirrorUpstreams(v('mirror', 'upstream') as unknown[] | undefined);
  const mirrorUsername = v('mirror', 'username') as string | undefined;
  const mirrorPassword = v('mirror', 'password') as string | undefined;
  if ((mirrorUsername === undefined) !== (mirrorPassword === undefined)) {
    throw new ConfigError('"mirror.username" and "mirror.password" must be given together');
  }
  let auth: AuthConfig;
  try {
    auth = buildAuthConfig({
      mode: v('auth', 'mode') as AuthMode | undefined,
      anonymousRead: v('auth', 'anonymous_read') as boolean,
      tokens: v('auth', 'tokens') as unknown[] | undefined,
      tokenAs: v('auth', 'delegate_token_as') as DelegateTokenAs,
      username: v('auth', 'delegate_username') as string | undefined,
      userPassword: v('auth', 'delegate_userpass') as boolean,
      storageKind: kind,
      storageHasCredential: username !== undefined || password !== undefined,
    });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  // Pull-through writes what it fetched: in delegate mode the store has no credential of its own, so the
  // writes need one (docs/mirror.md); elsewhere they use the storage credential.
  if (upstreams.length > 0 && auth.mode === 'delegate' && mirrorUsername === undefined) {
    throw new ConfigError(
      '"mirror.upstream" in delegate mode needs "mirror.username" and "mirror.password": a service credential with push rights that pull-through writes mirrored providers with',
    );
  }
  if (mirrorUsername !== undefined && auth.mode !== 'delegate') {
    throw new ConfigError(
      '"mirror.username" is only used in delegate mode; in other modes mirrored providers are written with storage.username',
    );
  }
  const downloadMode = checkDownloadMode(v('server', 'download_mode') as DownloadMode, storage, auth.mode, 'server.download_mode');
  const upstreamTtl = v('mirror', 'upstream_ttl') as number;
  const services = parseMirrorServices(v('mirror', 'service') as unknown[] | undefined, {
    downloadMode,
    upstreamTtl,
    authMode: auth.mode,
    takenPaths: [basePath],
  });
  return {
    server: {
      listen,
      publicUrl,
      registryHostname: registryHostname((v('server', 'registry_hostname') as string | undefined) ?? publicUrl.host),
      secrets,
      secretsGenerated,
      downloadUrlTtl: v('server', 'download_url_ttl') as number,
      requestTimeout: v('server', 'request_timeout') as number,
      workers: v('server', 'workers') as number,
      shutdownTimeout: v('server', 'shutdown_timeout') as number,
      downloadMode,
      ...downloadOffload(v('server', 'download_offload') as string, v('server', 'download_offload_location') as string),
      tls,
    },
    storage,
    auth,
    mirror: {
      basePath,
      upstreams,
      upstreamTtl,
      ...(mirrorUsername !== undefined ? { username: mirrorUsername } : {}),
      ...(mirrorPassword !== undefined ? { password: mirrorPassword } : {}),
      services,
    },
    cache: { maxBytes: v('cache', 'max_bytes') as number, tagsTtl: v('cache', 'tags_ttl') as number },
    publish: {
      maxCompressedBytes: v('publish', 'max_upload_bytes') as number,
      maxUncompressedBytes: v('publish', 'max_unpacked_bytes') as number,
      maxEntryBytes: v('publish', 'max_entry_bytes') as number,
      maxEntries: v('publish', 'max_entries') as number,
      maxSmallFileBytes: v('publish', 'max_small_file_bytes') as number,
      uploadUrlTtl: v('publish', 'upload_url_ttl') as number,
      uploadLease: v('publish', 'upload_lease') as number,
      claimSettleMs: v('publish', 'claim_settle_ms') as number,
    },
    modules: {
      maxUploadBytes: v('modules', 'max_upload_bytes') as number,
      maxUnpackedBytes: v('modules', 'max_unpacked_bytes') as number,
      maxFileBytes: v('modules', 'max_file_bytes') as number,
      maxEntries: v('modules', 'max_entries') as number,
    },
    usage: { enabled: v('usage', 'enabled') as boolean, flushInterval: v('usage', 'flush_interval') as number },
    metrics: metricsConfig(v),
    log: { level: v('log', 'level') as string },
  };
}

function metricsConfig(v: ValueOf): Config['metrics'] {
  const enabled = v('metrics', 'enabled') as boolean;
  const listen = v('metrics', 'listen') as string | undefined;
  if (listen !== undefined && !enabled)
    throw new ConfigError('"metrics.listen" is set but metrics.enabled is false: set metrics.enabled = true');
  return { enabled, ...(listen !== undefined ? { listen: parseListen(listen, 'metrics.listen') } : {}) };
}

function parseListen(value: string, key = 'server.listen'): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`"${key}" must be host:port (e.g. 0.0.0.0:8080), got ${JSON.stringify(value)}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function parsePublicUrl(value: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`"server.public_url": not a URL: ${JSON.stringify(value)}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConfigError(`"server.public_url" must be http(s)://, got ${u.protocol}`);
  if (u.search || u.hash || u.username) throw new ConfigError('"server.public_url" must not have a query, fragment or credentials');
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The registry hostname as provider addresses spell it (lowercase, punycode, no default port). */
function registryHostname(value: string): string {
  try {
    return normalizeHostname(value);
  } catch (err) {
    throw new ConfigError(`"server.registry_hostname": ${(err as Error).message}`);
  }
}

/** server.download_offload: off, or X-Accel-Redirect to an internal location given as a plain path ending with "/". */
function downloadOffload(kind: string, location: string): { downloadOffload?: { kind: 'x-accel-redirect'; location: string } } {
  if (kind !== 'x-accel-redirect') return {};
  if (!/^\/([A-Za-z0-9._~-]+\/)*$/.test(location) || location.split('/').some((seg) => seg === '.' || seg === '..')) {
    throw new ConfigError(
      `"server.download_offload_location" must be a path of [A-Za-z0-9._~-] segments (not . or ..) starting and ending with "/" (got ${JSON.stringify(location)})`,
    );
  }
  return { downloadOffload: { kind: 'x-accel-redirect', location } };
}
