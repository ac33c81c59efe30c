// Writing and reading OCI manifest JSON for the layout. Writing is deterministic: Go's struct field order
// of image-spec v1.1.1 `specs-go/v1` (docs/design/protocols.md §1.9), map keys sorted as Go's encoding/json does, no
// timestamps. It is not byte-identical to Go (Go escapes <, >, & as \u003c…); tofu only checks the digest.
// Reading is defensive: every field the layout relies on is type-checked, everything else is ignored.
import { createHash } from 'node:crypto';
import {
  EMPTY_CONFIG_DIGEST,
  MAX_MANIFEST_BYTES,
  MEDIA_TYPE_EMPTY,
  isDigest,
  type Descriptor,
  type Digest,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from '../oci/types.js';
import { LayoutError } from './errors.js';
import type { BuiltManifest } from './types.js';

/** The empty descriptor used as config of artifacts (image-spec "Guidance for an Empty Descriptor"). */
export function emptyConfigDescriptor(): Descriptor {
  return { mediaType: MEDIA_TYPE_EMPTY, digest: EMPTY_CONFIG_DIGEST, size: 2, data: 'e30=' };
}

type Json = Record<string, unknown>;

/** Copies `keys` of `obj` in that order, leaving out undefined values. */
function ordered(obj: object, keys: readonly string[]): Json {
  const src = obj as Json;
  const out: Json = {};
  for (const key of keys) if (src[key] !== undefined) out[key] = src[key];
  return out;
}

function sortedMap(map: Record<string, string> | undefined): Record<string, string> | undefined {
  if (map === undefined) return undefined;
  const keys = Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return Object.fromEntries(keys.map((k) => [k, map[k] as string]));
}

function platformJson(p: Platform | undefined): Json | undefined {
  return p && ordered(p, ['architecture', 'os', 'os.version', 'os.features', 'variant']);
}

/**
 * The JSON a descriptor was read from, when read by {@link readKeptDescriptor}: a non-enumerable property,
 * so a copy (`{ ...d }`) or a changed descriptor does not carry it and is serialized afresh.
 */
const KEPT_JSON = Symbol('kept descriptor JSON');

function descriptorJson(d: Descriptor): Json {
  const kept = (d as { [KEPT_JSON]?: Json })[KEPT_JSON];
  if (kept !== undefined) return kept;
  return ordered({ ...d, annotations: sortedMap(d.annotations), platform: platformJson(d.platform) }, [
    'mediaType',
    'digest',
    'size',
    'urls',
    'annotations',
    'data',
    'platform',
    'artifactType',
  ]);
}

function seal(body: Json, mediaType: string, artifactType: string | undefined): BuiltManifest {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
  const descriptor: Descriptor = { mediaType, digest, size: bytes.length };
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  return { bytes, descriptor };
}

/** Serializes an image manifest deterministically and computes its descriptor. */
export function buildImageManifest(m: ImageManifest): BuiltManifest {
  const body = ordered(
    {
      ...m,
      config: descriptorJson(m.config),
      layers: m.layers.map(descriptorJson),
      subject: m.subject && descriptorJson(m.subject),
      annotations: sortedMap(m.annotations),
    },
    ['schemaVersion', 'mediaType', 'artifactType', 'config', 'layers', 'subject', 'annotations'],
  );
  return seal(body, m.mediaType, m.artifactType);
}

/** Serializes an image index deterministically and computes its descriptor. */
export function buildImageIndex(i: ImageIndex): BuiltManifest {
  const body = ordered(
    {
      ...i,
      manifests: i.manifests.map(descriptorJson),
      subject: i.subject && descriptorJson(i.subject),
      annotations: sortedMap(i.annotations),
    },
    ['schemaVersion', 'mediaType', 'artifactType', 'manifests', 'subject', 'annotations'],
  );
  return seal(body, i.mediaType, i.artifactType);
}

// --- reading ---

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses manifest bytes and checks the envelope OpenTofu checks (`fetchOCIIndexManifest` /
 * `fetchOCIImageManifest`): size ≤ 4 MiB, a JSON object, schemaVersion 2, and a `mediaType` field equal to
 * the media type it was fetched as.
 */
export function readManifestEnvelope(bytes: Buffer, mediaType: string, what: string): Json {
  if (bytes.length > MAX_MANIFEST_BYTES)
    throw new LayoutError('MALFORMED', `${what} is ${bytes.length} bytes, over the 4 MiB manifest limit`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new LayoutError('MALFORMED', `${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new LayoutError('MALFORMED', `${what} is not a JSON object`);
  if (value.schemaVersion !== 2)
    throw new LayoutError('MALFORMED', `${what} has schemaVersion ${JSON.stringify(value.schemaVersion)}, expected 2`);
  if (value.mediaType === undefined) {
    throw new LayoutError('MALFORMED', `${what} has no "mediaType" field; OpenTofu requires it to equal ${mediaType}`);
  }
  if (value.mediaType !== mediaType) {
    throw new LayoutError('MALFORMED', `${what} declares mediaType ${JSON.stringify(value.mediaType)} but was served as ${mediaType}`);
  }
  return value;
}

/** An optional string field; anything but a string or absence is malformed. */
export function readString(obj: Json, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new LayoutError('MALFORMED', `${where}: "${key}" must be a string`);
  return v;
}

/** An array of strings (required where called). */
function readStrings(obj: Json, key: string, where: string): string[] {
  const v = readArray(obj, key, where);
  if (!v.every((x) => typeof x === 'string')) throw new LayoutError('MALFORMED', `${where}: "${key}" must be an array of strings`);
  return v as string[];
}

/** An array field (required). */
export function readArray(obj: Json, key: string, where: string): unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new LayoutError('MALFORMED', `${where}: "${key}" must be an array`);
  return v;
}

/** The annotations map of an object, `{}` when absent. */
export function readAnnotations(obj: Json, where: string): Record<string, string> {
  const v = obj.annotations;
  if (v === undefined || v === null) return {};
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw new LayoutError('MALFORMED', `${where}: "annotations" must be a map of strings`);
  }
  return v as Record<string, string>;
}

/** The raw JSON object of an array element, or a MALFORMED error. */
export function asObject(v: unknown, where: string): Json {
  if (!isObject(v)) throw new LayoutError('MALFORMED', `${where} is not a JSON object`);
  return v;
}

/**
 * A descriptor with the fields this server relies on checked: mediaType, a sha256 digest (the only
 * algorithm that maps to `zh:`, docs/design/protocols.md §1.6 `hashFromOCIDigest`), a non-negative integer size.
 */
export function readDescriptor(value: unknown, where: string): Descriptor {
  const obj = asObject(value, where);
  const mediaType = readString(obj, 'mediaType', where);
  if (mediaType === undefined) throw new LayoutError('MALFORMED', `${where}: "mediaType" is missing`);
  const digest = obj.digest;
  if (typeof digest !== 'string' || !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) {
    throw new LayoutError('MALFORMED', `${where}: "digest" ${JSON.stringify(digest)} is not an OCI digest`);
  }
  if (!isDigest(digest)) throw new LayoutError('UNSUPPORTED_DIGEST', `${where}: digest ${digest} is not sha256:<64 lowercase hex>`);
  const size = obj.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new LayoutError('MALFORMED', `${where}: "size" must be a non-negative integer`);
  }
  const d: Descriptor = { mediaType, digest, size };
  if (obj.urls !== undefined) d.urls = readStrings(obj, 'urls', where);
  const annotations = readAnnotations(obj, where);
  if (Object.keys(annotations).length > 0) d.annotations = annotations;
  const artifactType = readString(obj, 'artifactType', where);
  if (artifactType !== undefined) d.artifactType = artifactType;
  const data = readString(obj, 'data', where);
  if (data !== undefined) d.data = data;
  if (obj.platform !== undefined) d.platform = readPlatform(obj.platform, where);
  return d;
}

/**
 * {@link readDescriptor}, remembering the JSON it was read from: an index built with this descriptor
 * writes that entry back as it was (same fields, same order), e.g. when a platform is added to an index
 * another tool wrote. The descriptor is frozen so the kept JSON always matches its fields.
 */
export function readKeptDescriptor(value: unknown, where: string): Descriptor {
  const d = readDescriptor(value, where);
  Object.defineProperty(d, KEPT_JSON, { value: structuredClone(asObject(value, where)), enumerable: false });
  return Object.freeze(d);
}

function readPlatform(value: unknown, where: string): Platform {
  const obj = asObject(value, `${where}: "platform"`);
  const architecture = readString(obj, 'architecture', `${where}: platform`);
  const os = readString(obj, 'os', `${where}: platform`);
  if (!architecture || !os) throw new LayoutError('MALFORMED', `${where}: platform needs "os" and "architecture"`);
  const p: Platform = { architecture, os };
  const osVersion = readString(obj, 'os.version', `${where}: platform`);
  if (osVersion !== undefined) p['os.version'] = osVersion;
  if (obj['os.features'] !== undefined) p['os.features'] = readStrings(obj, 'os.features', `${where}: platform`);
  const variant = readString(obj, 'variant', `${where}: platform`);
  if (variant !== undefined) p.variant = variant;
  return p;
}

/**
 * The one layer of `mediaType` in a manifest, as tofu selects package layers (`selectOCILayerBlob`,
 * `oci_getter.go`): layers of other media types are ignored, zero or several of this type are errors.
 */
export function selectOneLayer(manifest: Json, mediaType: string, what: string): Descriptor {
  const found = readArray(manifest, 'layers', what)
    .map((raw, i) => ({ raw, where: `${what} layers[${i}]` }))
    .filter(({ raw, where }) => readString(asObject(raw, where), 'mediaType', where) === mediaType);
  if (found.length === 0) throw new LayoutError('NO_PACKAGE', `${what} contains no layer of type "${mediaType}"`);
  if (found.length > 1) {
    throw new LayoutError('AMBIGUOUS', `${what} declares ${found.length} "${mediaType}" layers; OpenTofu needs exactly one`);
  }
  const { raw, where } = found[0] as { raw: unknown; where: string };
  return readDescriptor(raw, where);
}
