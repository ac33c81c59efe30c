// Use cases of the publishing API's `modules` resource: create a module (namespace, name, system,
// description), read and list them, change the description, delete one (refused while versions exist,
// unless cascading). A module record may be created for a repository another tool already pushed to: its
// versions then become manageable through the API.
import semverCompareBuild from 'semver/functions/compare-build.js';
import { AppError } from '../core/app-error.js';
import { normalizeModuleName, normalizeModuleNamespace, normalizeModuleSystem } from '../layout/names.js';
import { isOciError } from '../oci/errors.js';
import { normalized, onlyAttributes, optionalString, requiredString, type Attributes } from '../core/attributes.js';
import type { Stored } from '../core/record-store.js';
import type { Caller } from '../core/caller.js';
import { invalidateRepository, listVersionTags } from '../read-cache/reader.js';
import { toAppError } from '../core/store-errors.js';
import { moduleId, parseModuleAddress, parseModuleId, type ModuleAddress } from './addresses.js';
import type { ModuleRecords } from './module-records.js';
import type { ModuleDeps, ModuleKey, ModuleRecord, ModuleView } from './types.js';

export interface ModuleContext {
  deps: ModuleDeps;
  records: ModuleRecords;
}

/** Store failures as application errors (a NOT_FOUND reaching here is content we just wrote: 502). */
export function storeFailure(ctx: ModuleContext, err: unknown): AppError {
  return toAppError(err, ['UPSTREAM_ERROR', 'the OCI registry lost content this server had just written'], ctx.deps.store.describe);
}

/**
 * `oci://<registry host>/<repository>`: OpenTofu's own address of the artifact (docs/design/protocols.md §2), when the
 * store is a remote registry (its `describe` is its origin); null for an OCI layout directory.
 */
export function ociRepositoryAddress(ctx: ModuleContext, repository: string): string | null {
  try {
    const u = new URL(ctx.deps.store.describe);
    return u.protocol === 'https:' || u.protocol === 'http:' ? `oci://${u.host}/${repository}` : null;
  } catch {
    return null;
  }
}

export function moduleView(ctx: ModuleContext, module: ModuleRecord): ModuleView {
  const addr = parseModuleAddress(ctx.deps, module);
  return { module, source: addr.display, repository: addr.repository, ociAddress: ociRepositoryAddress(ctx, addr.repository) };
}

/** The module record behind `id`, with its address; 404 when there is none. */
export async function loadModule(
  ctx: ModuleContext,
  id: string,
  caller: Caller,
): Promise<{ stored: Stored<ModuleRecord>; addr: ModuleAddress }> {
  const key = parseModuleId(id);
  const stored = await ctx.records.getModule(key, caller);
  if (!stored) throw new AppError('MODULE_NOT_FOUND', `no module with id ${JSON.stringify(id)}; create it first with POST /api/v1/modules`);
  return { stored, addr: parseModuleAddress(ctx.deps, key) };
}

/** Version tags of a module's repository, read fresh (no cached listing); [] when the repository is unknown. */
export async function freshVersionTags(ctx: ModuleContext, addr: ModuleAddress, caller: Caller) {
  invalidateRepository(ctx.deps, addr.repository);
  try {
    return await listVersionTags(ctx.deps, addr.repository, caller);
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) return [];
    throw storeFailure(ctx, err);
  }
}

/** POST /modules. 409 when the module exists. */
export async function createModule(ctx: ModuleContext, attrs: Attributes, caller: Caller): Promise<ModuleView> {
  onlyAttributes(attrs, ['namespace', 'name', 'system', 'description'], [], 'module');
  const key: ModuleKey = {
    namespace: normalized('namespace', () => normalizeModuleNamespace(requiredString(attrs, 'namespace', 64))),
    name: normalized('name', () => normalizeModuleName(requiredString(attrs, 'name', 64))),
    system: normalized('system', () => normalizeModuleSystem(requiredString(attrs, 'system', 64))),
  };
  parseModuleAddress(ctx.deps, key, 'VALIDATION_FAILED');
  const description = optionalString(attrs, 'description');
  const id = moduleId(key);
  return ctx.deps.locks.run(`module|${id}`, async () => {
    if (await ctx.records.getModule(key, caller)) {
      throw new AppError('CONFLICT', `module ${key.namespace}/${key.name}/${key.system} already exists (${id})`, {
        source: { pointer: '/data/attributes/name' },
      });
    }
    const now = ctx.deps.now().toISOString();
    const module: ModuleRecord = { id, ...key, description, createdAt: now, updatedAt: now };
    await ctx.records.putModule(module, caller);
    return moduleView(ctx, module);
  });
}

/** GET /modules[?filter[namespace]=ns], ordered by id. */
export async function listModules(ctx: ModuleContext, filter: { namespace?: string }, caller: Caller): Promise<ModuleView[]> {
  const ns =
    filter.namespace === undefined
      ? undefined
      : normalized('/filter/namespace', () => normalizeModuleNamespace(filter.namespace as string));
  const all = await ctx.records.listModules(ns, caller);
  return all.map((s) => moduleView(ctx, s.data)).sort((a, b) => a.module.id.localeCompare(b.module.id));
}

export async function getModule(ctx: ModuleContext, id: string, caller: Caller): Promise<ModuleView> {
  return moduleView(ctx, (await loadModule(ctx, id, caller)).stored.data);
}

/** PATCH /modules/:id: the description only. */
export async function updateModule(ctx: ModuleContext, id: string, attrs: Attributes, caller: Caller): Promise<ModuleView> {
  onlyAttributes(attrs, ['description'], ['namespace', 'name', 'system', 'source'], 'module');
  return ctx.deps.locks.run(`module|${id}`, async () => {
    const { stored } = await loadModule(ctx, id, caller);
    const module = { ...stored.data, description: optionalString(attrs, 'description'), updatedAt: ctx.deps.now().toISOString() };
    await ctx.records.putModule(module, caller);
    return moduleView(ctx, module);
  });
}

/**
 * DELETE /modules/:id. 409 while the repository holds versions, unless `cascade`: every version tag is
 * deleted first (OCI manifests and records), the module record last.
 */
export async function deleteModule(
  ctx: ModuleContext,
  id: string,
  opts: { cascade: boolean },
  removeVersion: (addr: ModuleAddress, tag: string) => Promise<void>,
  caller: Caller,
): Promise<void> {
  await ctx.deps.locks.run(`module|${id}`, async () => {
    const { stored, addr } = await loadModule(ctx, id, caller);
    const tags = await freshVersionTags(ctx, addr, caller);
    if (tags.length > 0 && !opts.cascade) {
      const list = tags
        .map((t) => t.version)
        .sort(semverCompareBuild)
        .slice(0, 10)
        .join(', ');
      throw new AppError(
        'CONFLICT',
        `module ${addr.display} still has ${tags.length} version(s) (${list}); delete them first or pass ?cascade=true`,
      );
    }
    for (const t of tags) await removeVersion(addr, t.tag);
    for (const orphan of await ctx.records.listVersions(addr, caller)) await ctx.records.remove(orphan, caller);
    await ctx.records.remove(stored, caller);
  });
}
