// Module addresses and resource ids, parsed once at the boundary. A module lives in the OCI repository
// `<prefix>/modules/<hostname>/<namespace>/<name>/<system>` (layout/names.ts); the publishing API names it
// by a derived id, so no database is needed and every replica agrees:
//
//   module          mod-<namespace>.<name>.<system>            mod-acme.vpc.aws
//   module version  modver-<namespace>.<name>.<system>.<tag>   modver-acme.vpc.aws.1.2.0_b.1
//
// Namespaces, names and systems hold only [a-z0-9_-] (never "."), so the first three dots split an id.
import { AppError, type ErrorCode } from '../core/app-error.js';
import {
  canonicalVersion,
  moduleRepository,
  normalizeModuleName,
  normalizeModuleNamespace,
  normalizeModuleSystem,
  versionToTag,
} from '../layout/names.js';
import type { ModuleKey } from './types.js';

export interface ModuleAddress extends ModuleKey {
  repository: string;
  /** `hostname/namespace/name/system`, for messages and the `source` attribute. */
  display: string;
}

/**
 * Normalizes the three parts and derives the repository. Invalid parts raise `code` (404 on the protocol:
 * such a module cannot exist here; 422 on the publishing API), naming the part and its rule.
 */
export function parseModuleAddress(
  deps: { prefix: string; registryHostname: string },
  key: ModuleKey,
  code: ErrorCode = 'MODULE_NOT_FOUND',
): ModuleAddress {
  try {
    const namespace = normalizeModuleNamespace(key.namespace);
    const name = normalizeModuleName(key.name);
    const system = normalizeModuleSystem(key.system);
    return {
      namespace,
      name,
      system,
      repository: moduleRepository(deps.prefix, deps.registryHostname, namespace, name, system),
      display: `${deps.registryHostname}/${namespace}/${name}/${system}`,
    };
  } catch (err) {
    throw new AppError(code, (err as Error).message, { cause: err });
  }
}

/** Longest version accepted (the provider API's limit too). */
export const MAX_VERSION_LENGTH = 128;

/** A version from a URL path: canonical semver only (docs/design/protocols.md §7: `+` is not a space). */
export function parseModuleVersion(raw: string, code: ErrorCode = 'VERSION_NOT_FOUND'): { version: string; tag: string } {
  // Never echo a long value back (a 10 KB path would come back in the error).
  if (raw.length > MAX_VERSION_LENGTH)
    throw new AppError(
      code,
      `the version is ${raw.length} characters long; versions are at most ${MAX_VERSION_LENGTH} characters (e.g. 1.2.3)`,
    );
  const version = canonicalVersion(raw);
  if (version === null) throw new AppError(code, `"${raw}" is not a canonical semantic version (e.g. 1.2.3, 1.2.3-rc.1; no "v" prefix)`);
  try {
    return { version, tag: versionToTag(version) };
  } catch (err) {
    throw new AppError(code, (err as Error).message, { cause: err });
  }
}

export function moduleId(k: ModuleKey): string {
  return `mod-${k.namespace}.${k.name}.${k.system}`;
}

export function moduleVersionId(k: ModuleKey, tag: string): string {
  return `${moduleId(k).replace(/^mod-/, 'modver-')}.${tag}`;
}

/** The module a `mod-…` id names; 404 for anything that cannot name one. */
export function parseModuleId(id: string): ModuleKey {
  const m = /^mod-([^.]+)\.([^.]+)\.([^.]+)$/.exec(id);
  const notFound = () => new AppError('MODULE_NOT_FOUND', `no module with id ${JSON.stringify(id)}`);
  if (!m) throw notFound();
  const key = { namespace: m[1]!, name: m[2]!, system: m[3]! };
  try {
    const parsed = {
      namespace: normalizeModuleNamespace(key.namespace),
      name: normalizeModuleName(key.name),
      system: normalizeModuleSystem(key.system),
    };
    if (moduleId(parsed) !== id) throw notFound();
    return parsed;
  } catch {
    throw notFound();
  }
}
