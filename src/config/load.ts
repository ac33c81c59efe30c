// Loads the configuration: TOML file (smol-toml, TOML 1.1) + environment overrides, checked against
// CONFIG_SCHEMA. Pure given its inputs (file text, environment, a file reader), so it is unit-tested
// without touching the process. Every error names the key (or variable) and what is wrong with it.
import { parse as parseToml } from 'smol-toml';
import { buildAuthConfig, type AuthConfig } from '../auth/config.js';
import type { AuthMode } from '../auth/access-control.js';
import type { DelegateTokenAs } from '../auth/delegated-credential.js';
import { CONFIG_SCHEMA, envName, type FieldSpec } from './schema.js';

export interface Config {
  server: {
    listen: { host: string; port: number };
    publicUrl: URL;
    /** Hostname of provider/module addresses (normalized later by the layout rules). */
    registryHostname: string;
    secrets: string[];
    /** True when no secret was configured and a random one was made (single-replica use only). */
    secretsGenerated: boolean;
    downloadUrlTtl: number;
    requestTimeout: number;
    /** "proxy" streams blobs; "redirect" hands out the registry's object-storage redirects (307). */
    downloadMode: 'proxy' | 'redirect';
    tls: { cert?: string; key?: string; selfSigned: boolean };
  };
  storage: {
    kind: 'layout' | 'registry';
    url?: string;
    prefix: string;
    path: string;
    plainHttp: boolean;
    username?: string;
    password?: string;
  };
  auth: AuthConfig;
  mirror: { basePath: string };
  cache: { maxBytes: number; tagsTtl: number };
  publish: {
    maxCompressedBytes: number;
    maxUncompressedBytes: number;
    maxEntryBytes: number;
    maxEntries: number;
    maxSmallFileBytes: number;
    uploadUrlTtl: number;
  };
  modules: { maxUploadBytes: number; maxUnpackedBytes: number; maxFileBytes: number; maxEntries: number };
  log: { level: string };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadInput {
  /** TOML text of the config file, if any. */
  fileText?: string;
  /** Name of the file, for messages. */
  fileName?: string;
  env: Record<string, string | undefined>;
  /** Reads `<key>_file` secret files. */
  readFile: (path: string) => string;
  /** Random bytes for a generated secret. */
  randomSecret: () => string;
}

type Raw = Record<string, Record<string, unknown>>;

/** Parses, merges and checks the configuration. Throws ConfigError naming the offending key. */
export function loadConfig(input: LoadInput): Config {
  const where = input.fileName ?? 'config file';
  const raw: Raw = {};
  if (input.fileText !== undefined) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(input.fileText) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${where}: invalid TOML: ${(err as Error).message}`);
    }
    flattenSections(doc, '', raw, where);
  }
  applyEnv(input.env, raw, input.readFile);
  resolveSecretFiles(raw, input.readFile, where);
  const v = (section: string, key: string) => typed(section, key, raw[section]?.[key], where);
  return build(v, input.randomSecret);
}

function flattenSections(doc: Record<string, unknown>, prefix: string, out: Raw, where: string): void {
  for (const [name, value] of Object.entries(doc)) {
    const section = prefix ? `${prefix}.${name}` : name;
    const spec = (CONFIG_SCHEMA as Record<string, Record<string, FieldSpec>>)[section];
    if (!spec) {
      throw new ConfigError(prefix ? `${where}: unknown key "${section}"` : `${where}: unknown section [${section}]`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(`${where}: "${section}" must be a table ([${section}])`);
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const sub = `${section}.${key}`;
      if ((CONFIG_SCHEMA as Record<string, unknown>)[sub] && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        flattenSections({ [key]: v }, section, out, where);
        continue;
      }
      if (!(key in spec) && !(key.endsWith('_file') && spec[key.slice(0, -5)]?.secret)) {
        throw new ConfigError(`${where}: unknown key "${sub}"`);
      }
      (out[section] ??= {})[key] = v;
    }
  }
}

function applyEnv(env: Record<string, string | undefined>, out: Raw, _readFile: (p: string) => string): void {
  const known = new Map<string, [string, string]>();
  for (const [section, fields] of Object.entries(CONFIG_SCHEMA as Record<string, Record<string, FieldSpec>>)) {
    for (const [key, spec] of Object.entries(fields)) {
      known.set(envName(section, key), [section, key]);
      if (spec.secret) known.set(envName(section, `${key}_file`), [section, `${key}_file`]);
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('TF_OCI_REGISTRY_') || value === undefined) continue;
    const target = known.get(name);
    if (!target) throw new ConfigError(`environment: unknown variable ${name}`);
    const [section, key] = target;
    (out[section] ??= {})[key] = { fromEnv: name, text: value };
  }
}

function resolveSecretFiles(raw: Raw, readFile: (p: string) => string, where: string): void {
  for (const [section, values] of Object.entries(raw)) {
    for (const key of Object.keys(values)) {
      if (!key.endsWith('_file')) continue;
      const base = key.slice(0, -5);
      const pathValue = values[key];
      const path = isEnvValue(pathValue) ? pathValue.text : pathValue;
      if (typeof path !== 'string' || path === '') throw new ConfigError(`${where}: "${section}.${key}" must be a file path`);
      let text: string;
      try {
        text = readFile(path).replace(/\r?\n$/, '');
      } catch (err) {
        throw new ConfigError(`"${section}.${key}": cannot read ${path}: ${(err as Error).message}`);
      }
      values[base] = { fromEnv: `${section}.${key}`, text };
      delete values[key];
    }
  }
}

interface EnvValue {
  fromEnv: string;
  text: string;
}
function isEnvValue(v: unknown): v is EnvValue {
  return typeof v === 'object' && v !== null && 'fromEnv' in v;
}

function typed(section: string, key: string, value: unknown, where: string): unknown {
  const spec = (CONFIG_SCHEMA as Record<string, Record<string, FieldSpec>>)[section]![key]!;
  if (value === undefined) return spec.default;
  const label = isEnvValue(value) ? `${value.fromEnv} (${section}.${key})` : `${where}: "${section}.${key}"`;
  const fromText = isEnvValue(value);
  const text = fromText ? value.text : undefined;
  switch (spec.type) {
    case 'string':
      if (fromText) return text;
      if (typeof value !== 'string') throw new ConfigError(`${label} must be a string`);
      return value;
    case 'enum': {
      const s = fromText ? text : value;
      if (typeof s !== 'string' || !spec.values!.includes(s)) {
        throw new ConfigError(`${label} must be one of ${spec.values!.map((x) => `"${x}"`).join(', ')}, got ${JSON.stringify(s)}`);
      }
      return s;
    }
    case 'boolean': {
      if (fromText) {
        if (/^(true|1|yes)$/i.test(text!)) return true;
        if (/^(false|0|no)$/i.test(text!)) return false;
        throw new ConfigError(`${label} must be true or false, got ${JSON.stringify(text)}`);
      }
      if (typeof value !== 'boolean') throw new ConfigError(`${label} must be true or false`);
      return value;
    }
    case 'integer': {
      const n = fromText ? Number(text) : typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw new ConfigError(`${label} must be an integer, got ${JSON.stringify(fromText ? text : value)}`);
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(`${label} must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(`${label} must be at most ${spec.max}, got ${n}`);
      return n;
    }
    case 'string-list': {
      const list = fromText ? text!.split(',').map((s) => s.trim()).filter(Boolean) : value;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw new ConfigError(`${label} must be a list of strings`);
      return list;
    }
    case 'table-list':
      return tableList(key, fromText ? text! : value, label);
  }
}

/** A list of tables: a TOML array of tables, or text holding JSON ([…] or {"<key>": […]}) or TOML ([[<key>]]). */
function tableList(key: string, value: unknown, label: string): unknown[] {
  let list = value;
  if (typeof value === 'string') {
    const text = value.trim();
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      try {
        doc = parseToml(text);
      } catch (err) {
        throw new ConfigError(`${label}: neither JSON nor TOML: ${(err as Error).message}`);
      }
    }
    list = Array.isArray(doc) ? doc : (doc as Record<string, unknown> | null)?.[key];
  }
  if (!Array.isArray(list) || !list.every((t) => typeof t === 'object' && t !== null && !Array.isArray(t))) {
    throw new ConfigError(`${label} must be a list of tables ([[…]] in TOML, a JSON array elsewhere)`);
  }
  return list;
}

function build(v: (section: string, key: string) => unknown, randomSecret: () => string): Config {
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
  const url = v('storage', 'url') as string | undefined;
  const plainHttp = v('storage', 'plain_http') as boolean;
  if (kind === 'registry') {
    if (!url) throw new ConfigError('"storage.url" is required when storage.kind = "registry"');
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new ConfigError(`"storage.url": not a URL: ${JSON.stringify(url)}`);
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && plainHttp)) {
      throw new ConfigError(`"storage.url" must be https:// (set storage.plain_http = true to allow ${u.protocol}//)`);
    }
    if (u.username || u.password) throw new ConfigError('"storage.url" must not contain credentials; use storage.username / storage.password');
  }
  const prefix = (v('storage', 'prefix') as string).replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && !/^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/.test(prefix)) {
    throw new ConfigError(`"storage.prefix": ${JSON.stringify(prefix)} is not a valid OCI repository path (lowercase letters, digits, separators . _ __ -, and /)`);
  }
  let basePath = v('mirror', 'base_path') as string;
  if (!basePath.startsWith('/')) basePath = `/${basePath}`;
  if (!basePath.endsWith('/')) basePath = `${basePath}/`;
  if (basePath === '/' || basePath.startsWith('/v1/') || basePath.startsWith('/api/') || basePath.startsWith('/.well-known/')) {
    throw new ConfigError(`"mirror.base_path": ${basePath} collides with the registry's own paths`);
  }
  const username = v('storage', 'username') as string | undefined;
  const password = v('storage', 'password') as string | undefined;
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
  return {
    server: {
      listen,
      publicUrl,
      registryHostname: (v('server', 'registry_hostname') as string | undefined) ?? publicUrl.host,
      secrets,
      secretsGenerated,
      downloadUrlTtl: v('server', 'download_url_ttl') as number,
      requestTimeout: v('server', 'request_timeout') as number,
      downloadMode: v('server', 'download_mode') as 'proxy' | 'redirect',
      tls,
    },
    storage: {
      kind,
      prefix,
      path: v('storage', 'path') as string,
      plainHttp,
      ...(url !== undefined ? { url: url.replace(/\/+$/, '') } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    },
    auth,
    mirror: { basePath },
    cache: { maxBytes: v('cache', 'max_bytes') as number, tagsTtl: v('cache', 'tags_ttl') as number },
    publish: {
      maxCompressedBytes: v('publish', 'max_upload_bytes') as number,
      maxUncompressedBytes: v('publish', 'max_unpacked_bytes') as number,
      maxEntryBytes: v('publish', 'max_entry_bytes') as number,
      maxEntries: v('publish', 'max_entries') as number,
      maxSmallFileBytes: v('publish', 'max_small_file_bytes') as number,
      uploadUrlTtl: v('publish', 'upload_url_ttl') as number,
    },
    modules: {
      maxUploadBytes: v('modules', 'max_upload_bytes') as number,
      maxUnpackedBytes: v('modules', 'max_unpacked_bytes') as number,
      maxFileBytes: v('modules', 'max_file_bytes') as number,
      maxEntries: v('modules', 'max_entries') as number,
    },
    log: { level: v('log', 'level') as string },
  };
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`"server.listen" must be host:port (e.g. 0.0.0.0:8080), got ${JSON.stringify(value)}`);
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
