// OCI image-spec v1.1 data types (descriptor, image manifest, image index) and media-type constants.
// Generic: nothing here knows about Terraform. Reference: https://github.com/opencontainers/image-spec/blob/v1.1.1/

/** `sha256:<64 lowercase hex>`; the only algorithm this project writes or accepts. */
export type Digest = string & { readonly __brand: 'Digest' };

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** Parses a digest string; throws on anything but canonical sha256. */
export function parseDigest(value: string): Digest {
  if (!DIGEST_RE.test(value)) throw new TypeError(`invalid digest ${JSON.stringify(value)}: expected sha256:<64 hex>`);
  return value as Digest;
}

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

export const MEDIA_TYPE_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_EMPTY = 'application/vnd.oci.empty.v1+json';
export const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** The empty JSON object `{}` used as config of artifacts (image-spec "Guidance for an Empty Descriptor"). */
export const EMPTY_CONFIG_BYTES = Buffer.from('{}');
export const EMPTY_CONFIG_DIGEST = parseDigest('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');

/** Every manifest media type a GET/HEAD should accept (Distribution 2.8 answers 404 without an OCI Accept). */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPE_IMAGE_INDEX,
  MEDIA_TYPE_IMAGE_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_DOCKER_MANIFEST,
].join(', ');

/** Manifests larger than this are refused on read and write (OpenTofu's and oras' limit). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  data?: string;
  platform?: Platform;
  artifactType?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: typeof MEDIA_TYPE_IMAGE_MANIFEST;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: typeof MEDIA_TYPE_IMAGE_INDEX;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** OCI repository name grammar (distribution-spec "Pulling manifests"). */
export const REPOSITORY_NAME_RE = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
/** OCI tag grammar. */
export const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
