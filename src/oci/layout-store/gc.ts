// Space reclamation of the image-layout store (docs/operations.md#reclaiming-space): mark and sweep per
// repository layout. Mark: every manifest an index.json entry names with a tag, plus untagged entries
// younger than the grace period (a publish in progress pushes its platform manifests untagged before
// the tagged index), and everything they reference (child manifests, configs, layers). Sweep: blobs
// and leftover temp files that nothing marked and that are older than the grace period. A blob's age
// is its file's mtime; the store refreshes it whenever a push finds the blob already there or mounts
// it (layout-store.ts), so a blob an in-flight publish relies on always looks young. Safe while the
// server runs in another process: it never rewrites index.json there; the server itself prunes
// index.json entries it no longer needs when it deletes a manifest (`pruneIndex`, under its lock).
// Reference: https://github.com/opencontainers/image-spec/blob/v1.1.1/image-layout.md
import { readFile, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestReferences } from '../store-support.js';
import { isDigest, type Descriptor, type Digest } from '../types.js';
import { readIndex, writeIndex } from './index-file.js';
import { REF_NAME_ANNOTATION, blobPath, blobsDir } from './paths.js';

/** Default grace period: blobs and untagged manifests younger than this are never removed. */
export const DEFAULT_GC_GRACE_SECONDS = 3600;

export interface SweepOptions {
  /** Blobs, untagged manifests and temp files younger than this (ms) are kept. */
  graceMs: number;
  /** Clock in ms. */
  now: number;
  /** Count what would go; remove nothing. */
  dryRun?: boolean;
  /** Also drop unmarked untagged entries from index.json (only the process that owns the writes). */
  pruneIndex?: boolean;
}

export interface SweepResult {
  blobsKept: number;
  blobsRemoved: number;
  /** Bytes of the removed blob files (a blob hard-linked into another repository frees its bytes with its last link). */
  bytesRemoved: number;
  /** Unreferenced blobs kept because they are younger than the grace period. */
  youngKept: number;
  tempFilesRemoved: number;
  indexEntriesPruned: number;
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes(String((err as { code?: unknown }).code));
}

async function mtimeOf(path: string): Promise<{ mtimeMs: number; size: number } | null> {
  try {
    const s = await stat(path);
    return { mtimeMs: s.mtimeMs, size: s.size };
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
}

/** The digests reachable from `roots` in one repository layout (manifests and the blobs they name). */
async function mark(repoDir: string, roots: readonly Digest[]): Promise<Set<Digest>> {
  const marked = new Set<Digest>();
  const queue = [...roots];
  for (let d = queue.pop(); d !== undefined; d = queue.pop()) {
    if (marked.has(d)) continue;
    marked.add(d);
    let bytes: Buffer;
    try {
      bytes = await readFile(blobPath(repoDir, d));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      throw err;
    }
    let refs: { blobs: Digest[]; manifests: Digest[] };
    try {
      refs = manifestReferences(bytes);
    } catch {
      continue; // not a manifest: a blob named by an index entry is kept, nothing more
    }
    for (const b of refs.blobs) marked.add(b);
    queue.push(...refs.manifests);
  }
  return marked;
}

/** Mark and sweep of one repository layout directory. */
export async function sweepRepository(repoDir: string, opts: SweepOptions): Promise<SweepResult> {
  const result: SweepResult = { blobsKept: 0, blobsRemoved: 0, bytesRemoved: 0, youngKept: 0, tempFilesRemoved: 0, indexEntriesPruned: 0 };
  const cutoff = opts.now - opts.graceMs;
  const index = await readIndex(repoDir);
  const entries: Descriptor[] = index?.manifests ?? [];
  const roots: Digest[] = [];
  const untagged: Descriptor[] = [];
  for (const e of entries) {
    if (e.annotations?.[REF_NAME_ANNOTATION] !== undefined) roots.push(e.digest);
    else untagged.push(e);
  }
  for (const e of untagged) {
    const s = await mtimeOf(blobPath(repoDir, e.digest));
    if (s !== null && s.mtimeMs > cutoff) roots.push(e.digest);
  }
  const marked = await mark(repoDir, roots);

  let names: string[];
  try {
    names = await readdir(blobsDir(repoDir));
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return result;
    throw err;
  }
  for (const name of names) {
    const path = join(blobsDir(repoDir), name);
    const digest = `sha256:${name}`;
    const s = await mtimeOf(path);
    if (s === null) continue;
    if (!isDigest(digest)) {
      // Temp files of writes that never finished (a crash): `.tmp-<uuid>` blobs and `.<uuid>.tmp` files.
      if (name.startsWith('.') && s.mtimeMs <= cutoff) {
        if (!opts.dryRun) await rm(path, { force: true });
        result.tempFilesRemoved++;
      }
      continue;
    }
    if (marked.has(digest)) {
      result.blobsKept++;
      continue;
    }
    if (s.mtimeMs > cutoff) {
      result.youngKept++;
      continue;
    }
    if (!opts.dryRun) await unlink(path).catch((err: unknown) => (isErrno(err, 'ENOENT') ? undefined : Promise.reject(err)));
    result.blobsRemoved++;
    result.bytesRemoved += s.size;
  }
  for (const name of await readdir(repoDir).catch(() => [] as string[])) {
    if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
    const s = await mtimeOf(join(repoDir, name));
    if (s !== null && s.mtimeMs <= cutoff) {
      if (!opts.dryRun) await rm(join(repoDir, name), { force: true });
      result.tempFilesRemoved++;
    }
  }
  if (opts.pruneIndex && index && !opts.dryRun) {
    const keep = index.manifests.filter((e) => e.annotations?.[REF_NAME_ANNOTATION] !== undefined || marked.has(e.digest));
    result.indexEntriesPruned = index.manifests.length - keep.length;
    if (result.indexEntriesPruned > 0) await writeIndex(repoDir, { ...index, manifests: keep });
  }
  return result;
}

export interface CollectResult extends SweepResult {
  repositories: number;
  /** Per repository, those where something was (or, dry run, would be) removed. */
  changed: { repository: string; result: SweepResult }[];
}

/** Mark and sweep of every repository layout under `root` (the `gc` subcommand). */
export async function collectLayoutGarbage(
  root: string,
  opts: Omit<SweepOptions, 'pruneIndex'>,
  listRepositories: (root: string) => Promise<string[]>,
): Promise<CollectResult> {
  const total: CollectResult = {
    repositories: 0,
    blobsKept: 0,
    blobsRemoved: 0,
    bytesRemoved: 0,
    youngKept: 0,
    tempFilesRemoved: 0,
    indexEntriesPruned: 0,
    changed: [],
  };
  for (const repository of await listRepositories(root)) {
    const r = await sweepRepository(join(root, ...repository.split('/').filter((p) => p !== '')), opts);
    total.repositories++;
    total.blobsKept += r.blobsKept;
    total.blobsRemoved += r.blobsRemoved;
    total.bytesRemoved += r.bytesRemoved;
    total.youngKept += r.youngKept;
    total.tempFilesRemoved += r.tempFilesRemoved;
    if (r.blobsRemoved > 0 || r.tempFilesRemoved > 0) total.changed.push({ repository, result: r });
  }
  return total;
}
