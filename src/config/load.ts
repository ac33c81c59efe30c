// Loads the configuration: TOML file (smol-toml, TOML 1.1) + environment overrides, checked against
// CONFIG_SCHEMA. Pure given its inputs (file text, environment, a file reader), so it is unit-tested
// without touching the process. Every error names the key (or variable) and what is wrong with it.
import { isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { CONFIG_SCHEMA, envName, type FieldSpec } from './schema.js';
import { buildConfig } from './build-config.js';
import { ConfigError, type Config } from './config.js';
import { type ProxySettings, proxySettingsFromEnv } from '../oci/proxy.js';

export { ConfigError, type Config };

export interface LoadInput {
  /** TOML text of the config file, if any. */
  fileText?: string;
  /** Name of the file, for messages. */
  fileName?: string;
  /**
   * The config file's directory: relative file paths written IN the file (storage.path, server.tls.cert/key,
   * `<key>_file`, [[mirror.service]] path) resolve against it, not against the working directory. Paths
   * from the environment stay relative to the working directory.
   */
  baseDir?: string;
  env: Record<string, string | undefined>;
  /** Reads `<key>_file` secret files. */
  readFile: (path: string) => string;
  /** Random bytes for a generated secret. */
  randomSecret: () => string;
}

type Raw = Record<string, Record<string, unknown>>;

/** Variables of the client commands that share the prefix: `serve` ignores them. */
const CLIENT_VARIABLES = new Set(['TF_OCI_REGISTRY_URL', 'TF_OCI_REGISTRY_TOKEN']);

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
    if (input.baseDir !== undefined) resolveFilePaths(raw, input.baseDir);
  }
  applyEnv(input.env, raw, input.readFile);
  resolveSecretFiles(raw, input.readFile, where);
  const v = (section: string, key: string) => typed(section, key, raw[section]?.[key], where);
  let proxy: ProxySettings;
  try {
    proxy = proxySettingsFromEnv(input.env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return { ...buildConfig(v, input.randomSecret), proxy };
}

/** Keys whose value is a file or directory path. */
const PATH_KEYS: Record<string, readonly string[]> = { storage: ['path'], 'server.tls': ['cert', 'key'] };

function resolveFilePaths(raw: Raw, baseDir: string): void {
  const at = (p: unknown): unknown => (typeof p === 'string' && p !== '' && !isAbsolute(p) ? resolve(baseDir, p) : p);
  for (const [section, values] of Object.entries(raw)) {
    for (const key of Object.keys(values)) {
      if (PATH_KEYS[section]?.includes(key) || key.endsWith('_file')) values[key] = at(values[key]);
    }
  }
  const services = raw.mirror?.service;
  if (Array.isArray(services)) {
    raw.mirror!.service = services.map((s) =>
      typeof s === 'object' && s !== null && !Array.isArray(s) && 'path' in s ? { ...s, path: at((s as { path: unknown }).path) } : s,
    );
  }
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
    // The publish command's server URL and token (docs/publishing.md), not server configuration.
    if (CLIENT_VARIABLES.has(name)) continue;
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
      if (typeof n !== 'number' || !Number.isInteger(n))
        throw new ConfigError(`${label} must be an integer, got ${JSON.stringify(fromText ? text : value)}`);
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(`${label} must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(`${label} must be at most ${spec.max}, got ${n}`);
      return n;
    }
    case 'string-list': {
      const list = fromText
        ? text!
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : value;
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
