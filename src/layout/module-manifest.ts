// A module version in OpenTofu's OCI layout (docs/design/protocols.md §2, internal/getmodules/oci_getter.go): one
// image manifest, artifactType application/vnd.opentofu.modulepkg, exactly one archive/zip layer.
import { MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST } from '../oci/types.js';
import { LayoutError } from './errors.js';
import {
  ANNOTATION_TITLE,
  ANNOTATION_VERSION,
  ARTIFACT_TYPE_MODULE_PACKAGE,
  ARTIFACT_TYPE_PROVIDER,
  MEDIA_TYPE_ZIP,
} from './media-types.js';
import { versionToTag } from './names.js';
import {
  buildImageManifest,
  emptyConfigDescriptor,
  readAnnotations,
  readManifestEnvelope,
  readString,
  selectOneLayer,
} from './oci-json.js';
import type { BuiltManifest, ModuleManifestInput, ModulePackage } from './types.js';

/**
 * Builds a module version's manifest, deterministic to the byte: empty config, one `archive/zip` layer (title
 * = filename when given), annotation org.opencontainers.image.version. Push it under {@link versionToTag}.
 */
export function buildModuleManifest(input: ModuleManifestInput): BuiltManifest {
  versionToTag(input.version);
  if (input.filename !== undefined && (input.filename === '' || input.filename.includes('/'))) {
    throw new LayoutError('INVALID_INPUT', `module filename ${JSON.stringify(input.filename)} must be a plain file name`);
  }
  return buildImageManifest({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    artifactType: ARTIFACT_TYPE_MODULE_PACKAGE,
    config: emptyConfigDescriptor(),
    layers: [
      {
        mediaType: MEDIA_TYPE_ZIP,
        digest: input.zip.digest,
        size: input.zip.size,
        ...(input.filename === undefined ? {} : { annotations: { [ANNOTATION_TITLE]: input.filename } }),
      },
    ],
    annotations: { [ANNOTATION_VERSION]: input.version },
  });
}

/**
 * Parses a module manifest with tofu's `oci_getter.go` rules: an image manifest (not an index), artifactType
 * `application/vnd.opentofu.modulepkg`, layers of other media types ignored, exactly one `archive/zip`.
 */
export function parseModuleManifest(bytes: Buffer, mediaType: string): ModulePackage {
  const what = 'module manifest';
  if (mediaType === MEDIA_TYPE_IMAGE_INDEX) {
    throw new LayoutError('UNSUPPORTED_MEDIA_TYPE', 'the selected object is an OCI index; module packages must be a single image manifest');
  }
  if (mediaType !== MEDIA_TYPE_IMAGE_MANIFEST) {
    throw new LayoutError('UNSUPPORTED_MEDIA_TYPE', `the selected object (${mediaType}) is not an OCI image manifest`);
  }
  const obj = readManifestEnvelope(bytes, mediaType, what);
  const artifactType = readString(obj, 'artifactType', what);
  if (artifactType !== ARTIFACT_TYPE_MODULE_PACKAGE) {
    const hint = artifactType === ARTIFACT_TYPE_PROVIDER ? ' (it is an OpenTofu provider)' : '';
    throw new LayoutError(
      'WRONG_ARTIFACT_TYPE',
      `${what} has artifactType ${JSON.stringify(artifactType ?? null)}, expected ${ARTIFACT_TYPE_MODULE_PACKAGE}${hint}`,
    );
  }
  const layer = selectOneLayer(obj, MEDIA_TYPE_ZIP, what);
  const result: ModulePackage = { layer, shasumHex: layer.digest.slice('sha256:'.length) };
  const title = layer.annotations?.[ANNOTATION_TITLE];
  if (title !== undefined) result.filename = title;
  const version = readAnnotations(obj, what)[ANNOTATION_VERSION];
  if (version !== undefined) result.version = version;
  return result;
}
