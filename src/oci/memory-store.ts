// An in-memory OciStore: the fast fake for unit tests of the layers above the storage port. It behaves
// like Distribution where tests can observe it (NOT_FOUND codes, referenced blobs must exist before a
// manifest is pushed, deleting a manifest drops its tags, mounts) and counts calls per method so tests
// can assert how many upstream requests a use case makes.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OciError } from './errors.js';
import {
  type BlobPushOptions,
  type CallOptions,
  type FetchedBlob,
  type FetchedManifest,
  type OciStore,
  STORE_METHODS,
  type StoreMethod,
} from './store.js';
import {
  DigestCounter,
  checkBuffer,
  manifestReferences,
  sha256Digest,
  validateDigest,
  validateReference,
  validateRepository,
} from './store-support.js';
import { MAX_MANIFEST_BYTES, isDigest, type Descriptor, type Digest } from './types.js';

/** The OciStore methods that do I/O (everything but `describe`). */
export type { StoreMethod };

export interface MemoryStore extends OciStore {
  /** Calls per method since creation or the last resetCalls(). */
  readonly calls: Record<StoreMethod, number>;
  resetCalls(): void;
}

interface Repo {
  blobs: Map<Digest, Buffer>;
  manifests: Map<Digest, { bytes: Buffer; mediaType: string }>;
  tags: Map<string, Digest>;
  /** Like a registry's tag directory: exists once a manifest was pushed, even if every tag is gone. */
  listable: boolean;
}

function notFound(what: string): OciError {
  return new OciError('NOT_FOUND', `${what} not found`);
}

function checkAbort(opts?: CallOptions): void {
  opts?.signal?.throwIfAborted();
}

/** Creates an empty in-memory store. */
export function createMemoryStore(opts: { describe?: string } = {}): MemoryStore {
  const repos = new Map<string, Repo>();
  const calls = Object.fromEntries(STORE_METHODS.map((m) => [m, 0])) as Record<StoreMethod, number>;

  function repo(name: string, create: boolean): Repo | undefined {
    validateRepository(name);
    let r = repos.get(name);
    if (!r && create) repos.set(name, (r = { blobs: new Map(), manifests: new Map(), tags: new Map(), listable: false }));
    return r;
  }

  function manifestDigest(r: Repo | undefined, reference: string): Digest | undefined {
    validateReference(reference);
    if (!r) return undefined;
    if (isDigest(reference)) return r.manifests.has(reference) ? reference : undefined;
    return r.tags.get(reference);
  }

  function fetchManifest(repository: string, reference: string, o?: CallOptions): FetchedManifest {
    checkAbort(o);
    const r = repo(repository, false);
    const digest = manifestDigest(r, reference);
    const m = digest === undefined ? undefined : r?.manifests.get(digest);
    if (!m || digest === undefined) throw notFound(`manifest ${repository}:${reference}`);
    return { descriptor: { mediaType: m.mediaType, digest, size: m.bytes.length }, bytes: Buffer.from(m.bytes) };
  }

  async function pushBlob(repository: string, source: Readable | Buffer, o: BlobPushOptions = {}): Promise<Descriptor> {
    checkAbort(o);
    const r = repo(repository, true) as Repo;
    if (Buffer.isBuffer(source)) {
      const { digest, size } = checkBuffer(source, o);
      r.blobs.set(digest, Buffer.from(source));
      return { mediaType: 'application/octet-stream', digest, size };
    }
    if (o.digest !== undefined) validateDigest(o.digest);
    if (o.digest !== undefined && r.blobs.has(o.digest)) {
      source.destroy();
      return { mediaType: 'application/octet-stream', digest: o.digest, size: (r.blobs.get(o.digest) as Buffer).length };
    }
    const counter = new DigestCounter(o);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    try {
      await pipeline(source, counter, sink, ...(o.signal ? [{ signal: o.signal }] : []));
    } catch (err) {
      throw counter.failure ?? err;
    }
    const digest = counter.digest as Digest;
    r.blobs.set(digest, Buffer.concat(chunks));
    return { mediaType: 'application/octet-stream', digest, size: counter.size };
  }

  const impl: OciStore = {
    describe: opts.describe ?? 'memory',
    async ping(o) {
      checkAbort(o);
    },
    async listTags(repository, o) {
      checkAbort(o);
      const r = repo(repository, false);
      if (!r?.listable) throw notFound(`repository ${repository}`);
      return [...r.tags.keys()];
    },
    async resolveManifest(repository, reference, o) {
      return fetchManifest(repository, reference, o).descriptor;
    },
    async fetchManifest(repository, reference, o) {
      return fetchManifest(repository, reference, o);
    },
    async pushManifest(repository, reference, bytes, mediaType, o) {
      checkAbort(o);
      validateReference(reference);
      if (bytes.length > MAX_MANIFEST_BYTES) throw new OciError('TOO_LARGE', `manifest of ${bytes.length} bytes`);
      const digest = sha256Digest(bytes);
      if (isDigest(reference) && reference !== digest) throw new OciError('DIGEST_MISMATCH', `manifest hashes to ${digest}`);
      const r = repo(repository, true) as Repo;
      const refs = manifestReferences(bytes);
      for (const d of refs.blobs) if (!r.blobs.has(d)) throw new OciError('INVALID', `manifest references unknown blob ${d}`);
      for (const d of refs.manifests) if (!r.manifests.has(d)) throw new OciError('INVALID', `index references unknown manifest ${d}`);
      r.manifests.set(digest, { bytes: Buffer.from(bytes), mediaType });
      r.listable = true;
      if (!isDigest(reference)) r.tags.set(reference, digest);
      return { mediaType, digest, size: bytes.length };
    },
    async deleteManifest(repository, digest, o) {
      checkAbort(o);
      const r = repo(repository, false);
      validateDigest(digest);
      if (!r?.manifests.delete(digest)) throw notFound(`manifest ${repository}@${digest}`);
      for (const [tag, d] of r.tags) if (d === digest) r.tags.delete(tag);
    },
    async statBlob(repository, digest, o) {
      checkAbort(o);
      validateDigest(digest);
      const blob = repo(repository, false)?.blobs.get(digest);
      return blob ? { size: blob.length } : null;
    },
    async fetchBlob(repository, digest, o): Promise<FetchedBlob> {
      checkAbort(o);
      validateDigest(digest);
      // Either `o.verify` holds without a check: the bytes were verified on push and cannot change here.
      const blob = repo(repository, false)?.blobs.get(digest);
      if (!blob) throw notFound(`blob ${repository}@${digest}`);
      return { size: blob.length, digest, body: Readable.from([blob]) };
    },
    async blobRedirect(repository, digest, o) {
      checkAbort(o);
      validateDigest(digest);
      if (!repo(repository, false)?.blobs.has(digest)) throw notFound(`blob ${repository}@${digest}`);
      return null;
    },
    pushBlob,
    async mountBlob(repository, digest, fromRepository, o) {
      checkAbort(o);
      validateDigest(digest);
      const blob = repo(fromRepository, false)?.blobs.get(digest);
      const target = repo(repository, true) as Repo;
      if (!blob) return false;
      target.blobs.set(digest, blob);
      return true;
    },
    async deleteBlob(repository, digest, o) {
      checkAbort(o);
      validateDigest(digest);
      if (!repo(repository, false)?.blobs.delete(digest)) throw notFound(`blob ${repository}@${digest}`);
    },
  };

  const counted = { ...impl } as Record<string, unknown>;
  for (const m of STORE_METHODS) {
    const fn = impl[m] as (...args: unknown[]) => Promise<unknown>;
    counted[m] = (...args: unknown[]) => {
      calls[m]++;
      return fn(...args);
    };
  }
  return Object.assign(counted as unknown as OciStore, {
    calls,
    resetCalls() {
      for (const m of STORE_METHODS) calls[m] = 0;
    },
  });
}
