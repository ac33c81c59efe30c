// Pushes a module version the way another tool does (`oras push --artifact-type
// application/vnd.opentofu.modulepkg repo:tag pkg.zip:archive/zip`, docs/design/protocols.md §2), straight through the
// OCI client with the layout's manifest builder: no publishing API, no records.
import { buildModuleManifest } from '../../../src/layout/module-manifest.js';
import { versionToTag } from '../../../src/layout/names.js';
import type { OciStore } from '../../../src/oci/store.js';
import { EMPTY_CONFIG_BYTES, MEDIA_TYPE_IMAGE_MANIFEST, type Descriptor } from '../../../src/oci/types.js';

export async function pushForeignModule(
  store: OciStore,
  repository: string,
  version: string,
  zip: Buffer,
  filename = 'module.zip',
): Promise<Descriptor> {
  const blob = await store.pushBlob(repository, zip);
  await store.pushBlob(repository, EMPTY_CONFIG_BYTES);
  const built = buildModuleManifest({ zip: { ...blob, mediaType: 'archive/zip' }, version, filename });
  return store.pushManifest(repository, versionToTag(version), built.bytes, MEDIA_TYPE_IMAGE_MANIFEST);
}

/** Something else under a version tag: a container-image-like manifest (no artifactType, no zip layer). */
export async function pushNotAModule(store: OciStore, repository: string, tag: string): Promise<void> {
  const layer = await store.pushBlob(repository, Buffer.from('not a module'));
  const config = await store.pushBlob(repository, Buffer.from('{"architecture":"amd64","os":"linux"}'));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
    }),
  );
  await store.pushManifest(repository, tag, manifest, MEDIA_TYPE_IMAGE_MANIFEST);
}
