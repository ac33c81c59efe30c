// Where the server's own state lives in the OCI store, beside OpenTofu's layout (names.ts draws that):
// the publishing API's records and the drafts of provider versions. Pure: names, tags, media types and
// the record manifest's shape; src/core/record-store.ts reads and writes them.
//
//   <prefix>/records                                  one repository for every record; OpenTofu never reads it
//   ├── tag gpg-key.<namespace>.<fingerprint>         e.g. gpg-key.acme.3f2a…9c01
//   ├── tag provider.<namespace>.<type>               e.g. provider.acme.widget
//   ├── tag version.<namespace>.<type>.<version tag>  e.g. version.acme.widget.1.2.0_b.7
//   ├── tag module.<namespace>.<name>.<system>        and module-version.<namespace>.<name>.<system>.<tag>
//   ├── tag mirror-import.imports.<id>                an import started through /api/v1/mirror-imports
//   │   (a tag over 128 characters is written <kind>.<namespace>.sha_<40 hex of sha256(full tag)>)
//   └── image manifest  artifactType application/vnd.tf-oci-registry.<kind>.v1
//       ├── config  application/vnd.tf-oci-registry.record.v1+json: {kind, rev, data} as JSON, also embedded
//       │           as the descriptor's `data` (image-spec "Embedded content"), so one manifest read returns
//       │           the record; the blob is pushed too because registries require it
//       └── layers  [the empty descriptor] (image-spec: layers SHOULD hold one entry)
//
//   <prefix>/providers/<hostname>/<namespace>/<type>   (the provider's own repository, names.ts)
//   └── tag draft.<version tag>                       not a version: OpenTofu and our listings ignore it
//       └── image manifest  artifactType application/vnd.tf-oci-registry.provider-draft.v1
//           └── layers  application/vnd.tf-oci-registry.draft-file, one per uploaded file, title = file name,
//                       io.tf-oci-registry.h1 on zips
//
// Every record's bytes carry a random `rev`, so two tags never share a digest and deleting one revision
// (by digest) never takes another record's tag with it.
import { createHash } from 'node:crypto';
import { REPOSITORY_NAME_RE, TAG_RE, type Descriptor } from '../oci/types.js';
import { sha256Digest } from '../oci/store-support.js';
import { versionToTag } from './names.js';

/** Kinds of records in `<prefix>/records`. */
export type RecordKind = 'gpg-key' | 'provider' | 'version' | 'module' | 'module-version' | 'mirror-import' | 'usage';

export const MEDIA_TYPE_RECORD = 'application/vnd.tf-oci-registry.record.v1+json';
export const ARTIFACT_TYPE_DRAFT = 'application/vnd.tf-oci-registry.provider-draft.v1';
export const MEDIA_TYPE_DRAFT_FILE = 'application/vnd.tf-oci-registry.draft-file';

/** The artifactType of a record manifest of `kind`. */
export const recordArtifactType = (kind: RecordKind): string => `application/vnd.tf-oci-registry.${kind}.v1`;

/** `<prefix>/records`. */
export function recordsRepository(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const name = trimmed === '' ? 'records' : `${trimmed}/records`;
  if (!REPOSITORY_NAME_RE.test(name))
    throw new Error(`records repository ${JSON.stringify(name)} is not a valid OCI name (check the prefix)`);
  return name;
}

/** A record tag from dot-joined parts, shortened when over the OCI limit (see the picture). */
export function recordTag(kind: RecordKind, namespace: string, rest: string): string {
  const full = `${kind}.${namespace}.${rest}`;
  if (TAG_RE.test(full)) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 40);
  return `${kind}.${namespace}.sha_${hash}`;
}

/**
 * Tag prefixes that can hold records of `kind` in `namespace` (and, for versions, of provider `type`):
 * the full-form prefix and the short (hashed) form. A listing keeps tags starting with any of them and
 * then filters on the record's own fields.
 */
export function tagPrefixes(kind: RecordKind, namespace?: string, type?: string): string[] {
  if (namespace === undefined) return [`${kind}.`];
  if (type === undefined) return [`${kind}.${namespace}.`];
  return [`${kind}.${namespace}.${type}.`, `${kind}.${namespace}.sha_`];
}

/** The non-semver tag of a version's draft manifest in the provider repository. */
export function draftTag(version: string): string {
  const full = `draft.${versionToTag(version)}`;
  if (TAG_RE.test(full)) return full;
  return `draft.sha_${createHash('sha256').update(full).digest('hex').slice(0, 40)}`;
}

/** The record envelope stored as the config blob. */
export interface RecordEnvelope<T> {
  kind: RecordKind;
  rev: string;
  data: T;
}

/**
 * The record's data from a record manifest's bytes, checked: artifactType, config media type, the
 * embedded JSON against its digest, the kind.
 */
export function parseRecordManifest<T>(bytes: Buffer, kind: RecordKind, where: string): T {
  const manifest = JSON.parse(bytes.toString('utf8')) as { artifactType?: string; config?: Descriptor };
  const config = manifest.config;
  if (manifest.artifactType !== recordArtifactType(kind) || config?.mediaType !== MEDIA_TYPE_RECORD || typeof config.data !== 'string') {
    throw new Error(`${where} is not a ${kind} record`);
  }
  const json = Buffer.from(config.data, 'base64');
  if (sha256Digest(json) !== config.digest) throw new Error(`${where}: embedded record does not match its digest`);
  const envelope = JSON.parse(json.toString('utf8')) as RecordEnvelope<T>;
  if (envelope.kind !== kind) throw new Error(`${where} holds a ${String(envelope.kind)} record, expected ${kind}`);
  return envelope.data;
}
