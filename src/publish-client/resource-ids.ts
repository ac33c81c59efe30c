// The publishing API's resource ids as the client derives them from natural keys (the server's
// src/publishing/ids.ts draws the same): gpg-<namespace>.<fingerprint, lowercase>, prv-<namespace>.<type>,
// ver-<namespace>.<type>.<version tag> ("+" written "_"), mod-<namespace>.<name>.<system>. Names are
// checked here so a typo is a usage error before any request.
import {
  normalizeModuleName,
  normalizeModuleNamespace,
  normalizeModuleSystem,
  normalizeProviderNamespace,
  normalizeProviderType,
  versionToTag,
} from '../layout/names.js';
import { PublishError } from './api-error.js';

function checked<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new PublishError(`${what}: ${(err as Error).message}`, true);
  }
}

export const providerNamespace = (ns: string): string => checked('--namespace', () => normalizeProviderNamespace(ns));
export const providerType = (type: string): string => checked('provider type', () => normalizeProviderType(type));
export const versionTag = (version: string): string => checked('version', () => versionToTag(version));

export const gpgKeyId = (namespace: string, fingerprint: string): string => `gpg-${namespace}.${fingerprint.toLowerCase()}`;
export const providerId = (namespace: string, type: string): string => `prv-${namespace}.${type}`;
export const providerVersionId = (namespace: string, type: string, version: string): string =>
  `ver-${namespace}.${type}.${versionTag(version)}`;

export interface ModuleAddress {
  namespace: string;
  name: string;
  system: string;
}

/** `--namespace NS --module NAME/SYSTEM`, checked. */
export function moduleAddress(namespace: string, module: string): ModuleAddress {
  const parts = module.split('/');
  if (parts.length !== 2) throw new PublishError(`--module ${JSON.stringify(module)}: expected NAME/SYSTEM, e.g. vpc/aws`, true);
  return {
    namespace: checked('--namespace', () => normalizeModuleNamespace(namespace)),
    name: checked('--module name', () => normalizeModuleName(parts[0] as string)),
    system: checked('--module system', () => normalizeModuleSystem(parts[1] as string)),
  };
}

export const moduleId = (m: ModuleAddress): string => `mod-${m.namespace}.${m.name}.${m.system}`;
