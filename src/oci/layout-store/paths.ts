// Where the image-layout store keeps things. The image-layout spec has ONE index per layout, so each
// repository gets its own layout directory, nested by name under the store root:
//
//   <root>/
//     providers/example/foo/          <- repository "providers/example/foo" (an OCI image layout)
//       oci-layout                    {"imageLayoutVersion":"1.0.0"}
//       index.json                    image index; tags = entries annotated org.opencontainers.image.ref.name
//       blobs/sha256/<hex>            blobs and manifests, by digest
//       blobs/sha256/.tmp-<uuid>      uploads in progress (renamed to <hex> once verified)
//       .index.json.<uuid>.tmp        index.json being replaced (renamed over index.json)
//     providers/example/foo/sub/      <- repository "providers/example/foo/sub" nests inside it
//
// Because layouts nest, a repository component must never look like a layout entry: names with a
// component "index.json", "oci-layout" or 64 hex characters are refused. Temp names start with "."
// and repository components cannot, so they never collide.
// Reference: https://github.com/opencontainers/image-spec/blob/v1.1.1/image-layout.md
import { join } from 'node:path';
import { OciError } from '../errors.js';
import { validateRepository } from '../store-support.js';
import type { Digest } from '../types.js';

export const OCI_LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
export const OCI_LAYOUT_CONTENT = '{"imageLayoutVersion":"1.0.0"}';
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

const RESERVED_COMPONENT = /^(index\.json|oci-layout|[a-f0-9]{64})$/;

/** The layout directory of a repository; INVALID for names that are not OCI names or would collide. */
export function repositoryDir(root: string, repository: string): string {
  validateRepository(repository);
  const parts = repository.split('/');
  if (parts.some((p) => RESERVED_COMPONENT.test(p))) {
    throw new OciError('INVALID', `repository ${JSON.stringify(repository)} has a component reserved by the image layout`);
  }
  return join(root, ...parts);
}

export function blobsDir(repoDir: string): string {
  return join(repoDir, 'blobs', 'sha256');
}

export function blobPath(repoDir: string, digest: Digest): string {
  return join(blobsDir(repoDir), digest.slice('sha256:'.length));
}
