// The scratch artifacts the self-test writes: a small layer blob, an image manifest and an image index,
// both with `artifactType` and annotations (the shapes the provider layout uses, src/layout/), and a
// referrer manifest whose `subject` is the image manifest. Random bytes make every run's digests new.
// Reference: https://github.com/opencontainers/image-spec/blob/v1.1.1/manifest.md , image-index.md
import { randomBytes } from 'node:crypto';
import { sha256Digest } from '../oci/store-support.js';
import {
  EMPTY_CONFIG_BYTES,
  EMPTY_CONFIG_DIGEST,
  MEDIA_TYPE_EMPTY,
  MEDIA_TYPE_IMAGE_INDEX,
  MEDIA_TYPE_IMAGE_MANIFEST,
  type Descriptor,
} from '../oci/types.js';

export const CHECK_ARTIFACT_TYPE = 'application/vnd.tf-oci-registry.check.v1';
export const CHECK_ANNOTATION = 'io.github.tf-oci-registry.check';
const LAYER_TYPE = 'application/vnd.tf-oci-registry.check.layer.v1';

export interface ScratchJson {
  bytes: Buffer;
  descriptor: Descriptor;
}

export interface Scratch {
  run: string;
  config: Buffer;
  layer: Buffer;
  layerDescriptor: Descriptor;
  manifest: ScratchJson;
  index: ScratchJson;
  referrer: ScratchJson;
}

function json(value: unknown, mediaType: string, artifactType?: string): ScratchJson {
  const bytes = Buffer.from(JSON.stringify(value));
  return {
    bytes,
    descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length, ...(artifactType ? { artifactType } : {}) },
  };
}

export function makeScratch(): Scratch {
  const run = randomBytes(6).toString('hex');
  const layer = Buffer.concat([Buffer.from(`tf-oci-registry check ${run}\n`), randomBytes(1024)]);
  const layerDescriptor: Descriptor = { mediaType: LAYER_TYPE, digest: sha256Digest(layer), size: layer.length };
  const config: Descriptor = { mediaType: MEDIA_TYPE_EMPTY, digest: EMPTY_CONFIG_DIGEST, size: EMPTY_CONFIG_BYTES.length };
  const manifest = json(
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
      artifactType: CHECK_ARTIFACT_TYPE,
      config,
      layers: [{ ...layerDescriptor, annotations: { [CHECK_ANNOTATION]: `layer ${run}` } }],
      annotations: { [CHECK_ANNOTATION]: `manifest ${run}` },
    },
    MEDIA_TYPE_IMAGE_MANIFEST,
    CHECK_ARTIFACT_TYPE,
  );
  const index = json(
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_IMAGE_INDEX,
      artifactType: CHECK_ARTIFACT_TYPE,
      manifests: [
        {
          ...manifest.descriptor,
          platform: { os: 'linux', architecture: 'amd64' },
          annotations: { [CHECK_ANNOTATION]: `entry ${run}` },
        },
      ],
      annotations: { [CHECK_ANNOTATION]: `index ${run}` },
    },
    MEDIA_TYPE_IMAGE_INDEX,
    CHECK_ARTIFACT_TYPE,
  );
  const referrer = json(
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
      artifactType: `${CHECK_ARTIFACT_TYPE}.referrer`,
      config,
      layers: [{ mediaType: MEDIA_TYPE_EMPTY, digest: EMPTY_CONFIG_DIGEST, size: EMPTY_CONFIG_BYTES.length }],
      subject: manifest.descriptor,
      annotations: { [CHECK_ANNOTATION]: `referrer ${run}` },
    },
    MEDIA_TYPE_IMAGE_MANIFEST,
    `${CHECK_ARTIFACT_TYPE}.referrer`,
  );
  return { run, config: EMPTY_CONFIG_BYTES, layer, layerDescriptor, manifest, index, referrer };
}
