// The index.json of one repository's image layout: reading, atomic replacement, and the pure edits the
// store makes (tag a manifest, remember an untagged one, drop a digest). Invariant kept by setManifest:
// every manifest appears either once per tag (annotated org.opencontainers.image.ref.name) or, when
// it has no tag, exactly once without that annotation.
// Reference: https://github.com/opencontainers/image-spec/blob/v1.1.1/image-layout.md#indexjson-file
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OciError } from '../errors.js';
import { MEDIA_TYPE_IMAGE_INDEX, isDigest, type Descriptor, type Digest } from '../types.js';
import { writeFileAtomic } from './files.js';
import { INDEX_FILE, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE, REF_NAME_ANNOTATION, blobsDir } from './paths.js';

export interface LayoutIndex {
  schemaVersion: 2;
  mediaType: typeof MEDIA_TYPE_IMAGE_INDEX;
  manifests: Descriptor[];
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes(String((err as { code?: unknown }).code));
}

/** Reads a repository's index.json; null when the repository has none (no manifest pushed yet). */
export async function readIndex(repoDir: string): Promise<LayoutIndex | null> {
  let text: string;
  try {
    text = await readFile(join(repoDir, INDEX_FILE), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OciError('PROTOCOL', `${join(repoDir, INDEX_FILE)} is not valid JSON`);
  }
  const manifests = (parsed as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(manifests)) throw new OciError('PROTOCOL', `${join(repoDir, INDEX_FILE)} has no manifests array`);
  const valid = manifests.filter(
    (d: unknown): d is Descriptor =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as Descriptor).digest === 'string' &&
      isDigest((d as Descriptor).digest) &&
      typeof (d as Descriptor).mediaType === 'string' &&
      Number.isSafeInteger((d as Descriptor).size),
  );
  return { schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: valid };
}

/** Replaces index.json atomically. */
export async function writeIndex(repoDir: string, index: LayoutIndex): Promise<void> {
  await writeFileAtomic(join(repoDir, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
}

/** Creates the layout skeleton (blobs/sha256 and oci-layout) if missing. */
export async function ensureLayout(repoDir: string): Promise<void> {
  await mkdir(blobsDir(repoDir), { recursive: true });
  try {
    await readFile(join(repoDir, OCI_LAYOUT_FILE));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    await writeFileAtomic(join(repoDir, OCI_LAYOUT_FILE), OCI_LAYOUT_CONTENT);
  }
}

export function emptyIndex(): LayoutIndex {
  return { schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: [] };
}

const tagOf = (d: Descriptor): string | undefined => d.annotations?.[REF_NAME_ANNOTATION];

/** Tags in index order. */
export function tagsOf(index: LayoutIndex): string[] {
  return index.manifests.map(tagOf).filter((t): t is string => t !== undefined);
}

/** The entry for a tag or digest reference. */
export function findEntry(index: LayoutIndex, reference: string): Descriptor | undefined {
  return isDigest(reference) ? index.manifests.find((d) => d.digest === reference) : index.manifests.find((d) => tagOf(d) === reference);
}

/** Records a manifest, under `tag` when given (moving the tag if it pointed elsewhere). */
export function setManifest(index: LayoutIndex, desc: Descriptor, tag?: string): LayoutIndex {
  const plain: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
  let manifests = index.manifests;
  if (tag === undefined) {
    if (!manifests.some((d) => d.digest === desc.digest)) manifests = [...manifests, plain];
  } else {
    const moved = manifests.find((d) => tagOf(d) === tag);
    manifests = manifests.filter((d) => tagOf(d) !== tag && !(d.digest === desc.digest && tagOf(d) === undefined));
    // A manifest that loses its last tag stays known, untagged (as in a registry).
    if (moved && moved.digest !== desc.digest && !manifests.some((d) => d.digest === moved.digest)) {
      manifests.push({ mediaType: moved.mediaType, digest: moved.digest, size: moved.size });
    }
    manifests = [...manifests, { ...plain, annotations: { [REF_NAME_ANNOTATION]: tag } }];
  }
  return { ...index, manifests };
}

/** Drops every entry of a digest (its tags included); returns the new index and how many went. */
export function removeDigest(index: LayoutIndex, digest: Digest): { index: LayoutIndex; removed: number } {
  const manifests = index.manifests.filter((d) => d.digest !== digest);
  return { index: { ...index, manifests }, removed: index.manifests.length - manifests.length };
}
