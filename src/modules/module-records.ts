// The publishing API's module records, kept with the other publish records in `<prefix>/records`
// (publish/record-store.ts: one tag per record, the record JSON embedded in the manifest), which OpenTofu
// never reads:
//
//   <prefix>/records
//   ├── tag module.<namespace>.<name>.<system>                   ModuleRecord
//   └── tag module-version.<namespace>.<name>.<system>.<tag>     ModuleVersionRecord
//
// A tag over 128 characters becomes `<kind>.<namespace>.sha_<40 hex of sha256(full tag)>`: the full form
// always has a "." after the name, so the two forms never collide. Records hold the real fields.
import { createHash } from 'node:crypto';
import { createRecordStore, type RecordStore, type RecordStoreDeps, type Stored } from '../core/record-store.js';
import type { RecordKind } from '../layout/records.js';
import { TAG_RE } from '../oci/types.js';
import type { Caller } from '../core/caller.js';
import type { ModuleKey, ModuleRecord, ModuleVersionRecord } from './types.js';

/*
 * The record store's kinds are the provider API's; the store itself only uses the kind as a string (in the
 * artifactType and the envelope). TODO(lead): add 'module' | 'module-version' to RecordKind in
 * src/publish/ids.ts, then drop these two casts.
 */
const MODULE: RecordKind = 'module' as string as RecordKind;
const MODULE_VERSION: RecordKind = 'module-version' as string as RecordKind;

function recordTag(kind: string, namespace: string, rest: string): string {
  const full = `${kind}.${namespace}.${rest}`;
  if (TAG_RE.test(full)) return full;
  return `${kind}.${namespace}.sha_${createHash('sha256').update(full).digest('hex').slice(0, 40)}`;
}

const moduleTag = (k: ModuleKey): string => recordTag('module', k.namespace, `${k.name}.${k.system}`);
const versionTag = (k: ModuleKey, tag: string): string => recordTag('module-version', k.namespace, `${k.name}.${k.system}.${tag}`);
const same = (a: ModuleKey, b: ModuleKey): boolean => a.namespace === b.namespace && a.name === b.name && a.system === b.system;

export interface ModuleRecords {
  getModule(key: ModuleKey, caller: Caller): Promise<Stored<ModuleRecord> | null>;
  putModule(record: ModuleRecord, caller: Caller): Promise<Stored<ModuleRecord>>;
  listModules(namespace: string | undefined, caller: Caller): Promise<Array<Stored<ModuleRecord>>>;
  getVersion(key: ModuleKey, tag: string, caller: Caller): Promise<Stored<ModuleVersionRecord> | null>;
  putVersion(record: ModuleVersionRecord, tag: string, caller: Caller): Promise<Stored<ModuleVersionRecord>>;
  listVersions(key: ModuleKey, caller: Caller): Promise<Array<Stored<ModuleVersionRecord>>>;
  remove(stored: Stored<unknown>, caller: Caller): Promise<void>;
}

export function createModuleRecords(deps: RecordStoreDeps, records: RecordStore = createRecordStore(deps)): ModuleRecords {
  return {
    getModule: (key, caller) => records.get<ModuleRecord>(MODULE, moduleTag(key), caller),
    putModule: (record, caller) => records.put(MODULE, moduleTag(record), record, caller),
    async listModules(namespace, caller) {
      const all = await records.list<ModuleRecord>(MODULE, [namespace === undefined ? 'module.' : `module.${namespace}.`], caller);
      return all.filter((r) => namespace === undefined || r.data.namespace === namespace);
    },
    getVersion: (key, tag, caller) => records.get<ModuleVersionRecord>(MODULE_VERSION, versionTag(key, tag), caller),
    putVersion: (record, tag, caller) => records.put(MODULE_VERSION, versionTag(record, tag), record, caller),
    async listVersions(key, caller) {
      const prefixes = [`module-version.${key.namespace}.${key.name}.${key.system}.`, `module-version.${key.namespace}.sha_`];
      return (await records.list<ModuleVersionRecord>(MODULE_VERSION, prefixes, caller)).filter((r) => same(r.data, key));
    },
    remove: (stored, caller) => records.remove(stored, caller),
  };
}
