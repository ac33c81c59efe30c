// Shared fixtures of the layout tests (src/layout/provider-release.test.ts, provider-index.test.ts): a fixed
// provider release input, digest helpers, OpenTofu's fixture files, and a LayoutError matcher.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isLayoutError, type LayoutErrorCode } from '../../src/layout/errors.js';
import { defaultProviderFilename, shasumsFilename } from '../../src/layout/provider-release.js';
import type { ProviderReleaseInput } from '../../src/layout/types.js';
import { parseDigest, type Descriptor } from '../../src/oci/types.js';

export const fixtures = new URL('../fixtures/layout/', import.meta.url);
export const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));
export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
export const blob = (content: string, mediaType = 'application/octet-stream'): Descriptor => ({
  mediaType,
  digest: parseDigest(`sha256:${sha256(content)}`),
  size: Buffer.byteLength(content),
});
export const h1Of = (s: string): string => `h1:${createHash('sha256').update(s).digest('base64')}`;
export const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
export const layoutError =
  (code: LayoutErrorCode, re?: RegExp) =>
  (e: unknown): boolean =>
    isLayoutError(e, code) && (re === undefined || re.test(e.message));

/** A fixed release; platforms deliberately out of order. */
export function releaseInput(): ProviderReleaseInput {
  const platform = (os: string, arch: string) => ({
    os,
    arch,
    filename: defaultProviderFilename('foo', '1.2.3', os, arch),
    zip: blob(`zip ${os} ${arch}`),
    h1: h1Of(`h1 ${os} ${arch}`),
  });
  return {
    type: 'foo',
    version: '1.2.3',
    protocols: ['5.0', '6.0'],
    keyId: '7EFEE40784BD37C2',
    platforms: [platform('windows', '386'), platform('linux', 'amd64'), platform('darwin', 'arm64')],
    shasums: { filename: shasumsFilename('foo', '1.2.3'), blob: blob('sums') },
    signature: blob('sig'),
    publicKey: blob('key'),
    registryManifest: blob('{"version":1}'),
  };
}
