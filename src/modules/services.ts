// The module use cases bound to their dependencies: the only surface the module routes see (http/ never
// touches the OCI store, the caches or the records).
import type { Attributes } from '../core/attributes.js';
import type { Caller } from '../core/caller.js';
import type { ModuleKey } from './types.js';
import { createModule, deleteModule, getModule, listModules, updateModule, type ModuleContext } from './module-admin.js';
import { createModuleRecords } from './module-records.js';
import { findModuleDownload, listModuleVersions } from './module-registry.js';
import type { ModuleUploadBody } from './module-upload.js';
import {
  deleteVersion,
  getVersion,
  listVersions,
  publishVersion,
  removeVersionTag,
  sweepModuleTemp,
  versionResourceId,
} from './module-versions.js';
import type { ModuleDeps } from './types.js';

export function createModuleServices(deps: ModuleDeps) {
  const ctx: ModuleContext = { deps, records: createModuleRecords(deps) };
  void sweepModuleTemp(ctx).catch(() => undefined); // what a killed server left (docs/fault-tolerance.md#temp-files)
  return {
    /** Removes upload work directories no upload touched for a lease (docs/fault-tolerance.md#temp-files). */
    sweepTemp: () =>
      sweepModuleTemp(ctx).then(
        () => undefined,
        () => undefined,
      ),
    // modules.v1 (docs/design/protocols.md §6)
    listModuleVersions: (key: ModuleKey, caller: Caller) => listModuleVersions(deps, key, caller),
    findModuleDownload: (key: ModuleKey & { version: string }, caller: Caller) => findModuleDownload(deps, key, caller),
    // publishing API
    createModule: (attrs: Attributes, caller: Caller) => createModule(ctx, attrs, caller),
    listModules: (filter: { namespace?: string }, caller: Caller) => listModules(ctx, filter, caller),
    getModule: (id: string, caller: Caller) => getModule(ctx, id, caller),
    updateModule: (id: string, attrs: Attributes, caller: Caller) => updateModule(ctx, id, attrs, caller),
    deleteModule: (id: string, opts: { cascade: boolean }, caller: Caller) =>
      deleteModule(ctx, id, opts, async (addr, tag) => void (await removeVersionTag(ctx, addr, tag, caller)), caller),
    publishModuleVersion: (id: string, version: string, upload: ModuleUploadBody, caller: Caller) =>
      publishVersion(ctx, id, version, upload, caller),
    listModuleVersionsApi: (id: string, caller: Caller) => listVersions(ctx, id, caller),
    getModuleVersion: (id: string, version: string, caller: Caller) => getVersion(ctx, id, version, caller),
    deleteModuleVersion: (id: string, version: string, caller: Caller) => deleteVersion(ctx, id, version, caller),
    /** The API resource id of a version (`modver-…`). */
    versionId: versionResourceId,
    registryHostname: deps.registryHostname,
  };
}

export type ModuleServices = ReturnType<typeof createModuleServices>;
