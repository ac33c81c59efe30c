// The store of small JSON records (publishing API state: GPG keys, providers, versions, modules) in ONE
// OCI repository, drawn in src/layout/records.ts. All state lives in the registry: any replica sees it, a
// restart loses nothing. Update = push a new manifest to the same tag; delete = DELETE the manifest by
// digest (Distribution drops its tags). Reads resolve the tag (HEAD) and parse by digest from the content
// cache; records are never cached by tag, so every replica reads its own and others' writes.
import { randomBytes } from 'node:crypto';
import { buildImageManifest, emptyConfigDescriptor } from '../layout/oci-json.js';
import { isOciError } from '../oci/errors.js';
import { EMPTY_CONFIG_BYTES, EMPTY_CONFIG_DIGEST, MEDIA_TYPE_IMAGE_MANIFEST, type Descriptor, type Digest } from '../oci/types.js';
import { sha256Digest } from '../oci/store-support.js';
import type { Logger } from 'pino';
import type { OciStore } from '../oci/store.js';
import { callOpts, type Caller } from './caller.js';
import type { ContentCache } from './lru-cache.js';

/** What the record store needs: the store, the content cache (records by digest), a logger, the prefix. */
export interface RecordStoreDeps {
  store: OciStore;
  content: ContentCache;
  logger: Logger;
  prefix: string;
}
import { mapLimit } from './map-limit.js';
import {
  MEDIA_TYPE_RECORD,
  parseRecordManifest,
  recordArtifactType,
  recordsRepository,
  type RecordEnvelope,
  type RecordKind,
} from '../layout/records.js';
import { storeError } from './store-errors.js';

/** A record as read: its data, and the manifest digest that identifies this revision. */
export interface Stored<T> {
  tag: string;
  digest: Digest;
  data: T;
}

/** Manifest reads in flight at once while listing. */
const LIST_CONCURRENCY = 16;

export interface RecordStore {
  readonly repository: string;
  /** The record under `tag`, or null. */
  get<T>(kind: RecordKind, tag: string, caller: Caller): Promise<Stored<T> | null>;
  /** Writes (creates or replaces) the record under `tag`. */
  put<T>(kind: RecordKind, tag: string, data: T, caller: Caller): Promise<Stored<T>>;
  /** Deletes one revision (by digest). A record already gone is not an error. */
  remove(stored: Stored<unknown>, caller: Caller): Promise<void>;
  /** Every record of `kind` whose tag starts with one of `prefixes` (one tags/list, then one read each). */
  list<T>(kind: RecordKind, prefixes: string[], caller: Caller): Promise<Array<Stored<T>>>;
}

export function createRecordStore(deps: RecordStoreDeps): RecordStore {
  const repository = recordsRepository(deps.prefix);
  let emptyPushed = false;

  async function read<T>(kind: RecordKind, tag: string, caller: Caller): Promise<Stored<T> | null> {
    let descriptor: Descriptor;
    try {
      descriptor = await deps.store.resolveManifest(repository, tag, callOpts(caller));
    } catch (err) {
      if (isOciError(err, 'NOT_FOUND')) return null;
      throw storeError(err, deps);
    }
    const ckey = `record|${descriptor.digest}`;
    const cached = deps.content.get<T>(ckey);
    if (cached !== undefined) return { tag, digest: descriptor.digest, data: cached };
    try {
      const { bytes } = await deps.store.fetchManifest(repository, descriptor.digest, callOpts(caller));
      const data = parseRecordManifest<T>(bytes, kind, `record ${tag}`);
      deps.content.set(ckey, data, bytes.length * 2 + 256);
      return { tag, digest: descriptor.digest, data };
    } catch (err) {
      // Deleted or replaced between the HEAD and the GET: the record is gone as far as this read goes.
      if (isOciError(err, 'NOT_FOUND')) return null;
      if (!isOciError(err)) {
        deps.logger.warn({ err, tag }, 'unreadable record ignored');
        return null;
      }
      throw storeError(err, deps);
    }
  }

  return {
    repository,
    get: read,

    async put<T>(kind: RecordKind, tag: string, data: T, caller: Caller): Promise<Stored<T>> {
      const envelope: RecordEnvelope<T> = { kind, rev: randomBytes(12).toString('base64url'), data };
      const json = Buffer.from(JSON.stringify(envelope), 'utf8');
      try {
        if (!emptyPushed) {
          await deps.store.pushBlob(repository, EMPTY_CONFIG_BYTES, { ...callOpts(caller), digest: EMPTY_CONFIG_DIGEST, size: 2 });
          emptyPushed = true;
        }
        const config = await deps.store.pushBlob(repository, json, { ...callOpts(caller), digest: sha256Digest(json), size: json.length });
        const empty = emptyConfigDescriptor();
        const built = buildImageManifest({
          schemaVersion: 2,
          mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
          artifactType: recordArtifactType(kind),
          config: { mediaType: MEDIA_TYPE_RECORD, digest: config.digest, size: json.length, data: json.toString('base64') },
          layers: [{ mediaType: empty.mediaType, digest: empty.digest, size: empty.size }],
        });
        const d = await deps.store.pushManifest(repository, tag, built.bytes, MEDIA_TYPE_IMAGE_MANIFEST, callOpts(caller));
        deps.content.set(`record|${d.digest}`, data, built.bytes.length * 2 + 256);
        return { tag, digest: d.digest, data };
      } catch (err) {
        emptyPushed = false;
        throw storeError(err, deps);
      }
    },

    async remove(stored, caller) {
      try {
        await deps.store.deleteManifest(repository, stored.digest, { ...callOpts(caller), tags: [stored.tag] });
      } catch (err) {
        if (!isOciError(err, 'NOT_FOUND')) throw storeError(err, deps);
      }
    },

    async list<T>(kind: RecordKind, prefixes: string[], caller: Caller): Promise<Array<Stored<T>>> {
      let tags: string[];
      try {
        tags = await deps.store.listTags(repository, callOpts(caller));
      } catch (err) {
        if (isOciError(err, 'NOT_FOUND')) return [];
        throw storeError(err, deps);
      }
      const wanted = tags.filter((t) => prefixes.some((p) => t.startsWith(p))).sort();
      const read_ = await mapLimit(wanted, LIST_CONCURRENCY, (tag) => read<T>(kind, tag, caller));
      return read_.filter((r): r is Stored<T> => r !== null);
    },
  };
}
