// Every bad upload the publishing API must refuse (docs/design/publishing-baseline.md#tarball-contents and #verification-checks), as a
// table run against the memory store (src/publish/bad-uploads.test.ts) and the real Distribution registry
// (test/publish/distribution.test.ts). Each case gives the tarball, the expected HTTP status and the
// messages (each naming the file and the check); the runner also checks that the version is recorded
// `errored` and that NO semver tag appeared in the provider repository.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { providerRepository } from '../../src/layout/names.js';
import type { PublishLimits } from '../../src/publishing/types.js';
import { assertDetail, details, type Harness } from './harness.js';
import { buildRelease, entriesOf, makeZip, sha256Hex, tarGz, type BuiltRelease, type TarEntry } from './release-fixture.js';

export const TYPE = 'widget';
export const VERSION = '1.0.0';
export const PREFIX = `terraform-provider-${TYPE}_${VERSION}`;
const SUMS = `${PREFIX}_SHA256SUMS`;
const LINUX = `${PREFIX}_linux_amd64.zip`;

export interface Signers {
  /** Signs with the key registered for the version. */
  sign: (data: Buffer) => Promise<Buffer>;
  /** Signs with some other key. */
  signOther: (data: Buffer) => Promise<Buffer>;
}

export interface BadCase {
  name: string;
  status: 413 | 422;
  messages: RegExp[];
  /** When set, exactly this many error messages are expected (no follow-up noise). */
  count?: number;
  limits?: Partial<PublishLimits>;
  tarball(s: Signers): Promise<Buffer>;
}

const good = (s: Signers): Promise<BuiltRelease> =>
  buildRelease({
    type: TYPE,
    version: VERSION,
    platforms: [
      { os: 'linux', arch: 'amd64' },
      { os: 'darwin', arch: 'arm64' },
    ],
    sign: s.sign,
    protocols: ['5.0'],
  });

/** A release whose SHA256SUMS (and its signature) cover `files` exactly. */
async function signedSet(s: Signers, files: Map<string, Buffer>): Promise<TarEntry[]> {
  const sums = Buffer.from([...files].map(([n, b]) => `${sha256Hex(b)}  ${n}\n`).join(''));
  return [
    ...[...files].map(([name, content]) => ({ name, content })),
    { name: SUMS, content: sums },
    { name: `${SUMS}.sig`, content: await s.sign(sums) },
  ];
}

const withoutFile = (r: BuiltRelease, name: string): TarEntry[] => entriesOf(r).filter((e) => e.name !== name);
const binary = `terraform-provider-${TYPE}_v${VERSION}`;

export const BAD_RELEASES: BadCase[] = [
  {
    name: 'no provider zip',
    status: 422,
    messages: [/the release has no provider zip/],
    tarball: async (s) => tarGz(await signedSet(s, new Map([['README.md', Buffer.from('# hi')]]))),
  },
  {
    name: 'SHA256SUMS missing',
    status: 422,
    messages: [new RegExp(`the release has no ${SUMS} \\(contents check\\)`)],
    tarball: async (s) => tarGz(withoutFile(await good(s), SUMS)),
  },
  {
    name: 'signature missing',
    status: 422,
    messages: [new RegExp(`the release has no ${SUMS}\\.sig`)],
    tarball: async (s) => tarGz(withoutFile(await good(s), `${SUMS}.sig`)),
  },
  {
    name: 'a zip not listed in SHA256SUMS',
    status: 422,
    messages: [new RegExp(`${PREFIX}_windows_amd64\\.zip: not listed in ${SUMS} \\(checksum check\\)`)],
    tarball: async (s) =>
      tarGz([...entriesOf(await good(s)), { name: `${PREFIX}_windows_amd64.zip`, content: await makeZip({ [`${binary}.exe`]: 'win' }) }]),
  },
  {
    name: 'SHA256SUMS lists a file that is not in the tarball',
    status: 422,
    messages: [new RegExp(`${SUMS}: lists ${PREFIX}_darwin_arm64\\.zip, which is not in the release \\(checksum check\\)`)],
    tarball: async (s) => tarGz(withoutFile(await good(s), `${PREFIX}_darwin_arm64.zip`)),
  },
  {
    name: 'checksum mismatch',
    status: 422,
    messages: [new RegExp(`${LINUX}: checksum mismatch: ${SUMS} says [0-9a-f]{64}, the file hashes to [0-9a-f]{64} \\(checksum check\\)`)],
    tarball: async (s) => {
      const r = await good(s);
      r.files.set(LINUX, await makeZip({ [binary]: 'a different build' }));
      return tarGz(entriesOf(r));
    },
  },
  {
    name: 'signature by another key',
    status: 422,
    messages: [new RegExp(`${SUMS}\\.sig: not signed by the version's GPG key: .* \\(signature check\\)`)],
    tarball: async (s) =>
      tarGz(
        entriesOf(await buildRelease({ type: TYPE, version: VERSION, platforms: [{ os: 'linux', arch: 'amd64' }], sign: s.signOther })),
      ),
  },
  {
    name: 'signature over other bytes',
    status: 422,
    messages: [new RegExp(`${SUMS}\\.sig: signature does not match: .* \\(signature check\\)`)],
    tarball: async (s) => {
      const r = await good(s);
      r.files.set(`${SUMS}.sig`, await s.sign(Buffer.from(`${r.files.get(SUMS)!.toString()}\n`)));
      return tarGz(entriesOf(r));
    },
  },
  {
    name: 'garbage signature',
    status: 422,
    messages: [new RegExp(`${SUMS}\\.sig: unreadable signature: .* \\(signature check\\)`)],
    tarball: async (s) => {
      const r = await good(s);
      r.files.set(`${SUMS}.sig`, Buffer.from('this is not a signature'));
      return tarGz(entriesOf(r));
    },
  },
  {
    name: 'an unsupported file',
    status: 422,
    messages: [/^notes\.txt: unsupported file: a release holds only/],
    tarball: async (s) => tarGz([...entriesOf(await good(s)), { name: 'notes.txt', content: 'hello' }]),
  },
  {
    name: 'a version mismatch in a file name',
    status: 422,
    messages: [/terraform-provider-widget_1\.0\.1_linux_amd64\.zip: version is "1\.0\.1", expected "1\.0\.0" \(file name check\)/],
    tarball: async (s) =>
      tarGz([
        ...entriesOf(await good(s)),
        { name: 'terraform-provider-widget_1.0.1_linux_amd64.zip', content: await makeZip({ [binary]: 'x' }) },
      ]),
  },
  {
    name: 'a provider name mismatch in a file name',
    status: 422,
    messages: [/terraform-provider-gadget_1\.0\.0_linux_amd64\.zip: provider type is "gadget", expected "widget" \(file name check\)/],
    tarball: async (s) =>
      tarGz([
        ...entriesOf(await good(s)),
        { name: 'terraform-provider-gadget_1.0.0_linux_amd64.zip', content: await makeZip({ [binary]: 'x' }) },
      ]),
  },
  {
    name: 'an unsupported platform',
    status: 422,
    messages: [/_plan9_amd64\.zip: unsupported os "plan9"/, /_linux_riscv64\.zip: unsupported arch "riscv64"/],
    tarball: async (s) =>
      tarGz([
        ...entriesOf(await good(s)),
        { name: `${PREFIX}_plan9_amd64.zip`, content: 'x' },
        { name: `${PREFIX}_linux_riscv64.zip`, content: 'x' },
      ]),
  },
  {
    name: 'a duplicate entry',
    status: 422,
    messages: [new RegExp(`${LINUX}: appears more than once in the tarball`)],
    tarball: async (s) => {
      const entries = entriesOf(await good(s));
      return tarGz([...entries, entries.find((e) => e.name === LINUX)!]);
    },
  },
  {
    name: 'a path with ".."',
    status: 422,
    messages: [/\.\.\/evil\.zip: "\.\." is not allowed in tarball paths/],
    tarball: async (s) => tarGz([...entriesOf(await good(s)), { name: '../evil.zip', content: 'x' }]),
  },
  {
    name: 'an absolute path',
    status: 422,
    messages: [/\/etc\/passwd: absolute paths are not allowed in the tarball/],
    tarball: async (s) => tarGz([...entriesOf(await good(s)), { name: '/etc/passwd', content: 'x' }]),
  },
  {
    name: 'a symbolic link',
    status: 422,
    messages: [/README\.md: symbolic link not allowed/],
    tarball: async (s) => tarGz([...entriesOf(await good(s)), { name: 'README.md', type: 'symlink', linkname: '/etc/passwd' }]),
  },
  {
    name: 'a hard link',
    status: 422,
    messages: [/CHANGELOG\.md: hard link not allowed/],
    tarball: async (s) => tarGz([...entriesOf(await good(s)), { name: 'CHANGELOG.md', type: 'link', linkname: LINUX }]),
  },
  {
    name: 'a device entry',
    status: 422,
    messages: [/null: character-device entry not allowed/],
    tarball: async (s) => tarGz([...entriesOf(await good(s)), { name: 'null', type: 'character-device' }]),
  },
  {
    name: 'a directory other than docs/',
    status: 422,
    messages: [/bin\/: directory not allowed/],
    tarball: async (s) => tarGz([...entriesOf(await good(s)), { name: 'bin/', type: 'directory' }]),
  },
  {
    name: 'a zip that is not a zip',
    status: 422,
    messages: [new RegExp(`${LINUX}: not a zip file: .* \\(zip check\\)`)],
    tarball: async (s) => {
      const files = new Map([[LINUX, Buffer.from('MZ this is an exe, not a zip')]]);
      return tarGz(await signedSet(s, files));
    },
  },
  {
    name: 'a zip holding more than the provider binary',
    status: 422,
    messages: [
      new RegExp(`${LINUX}: the zip holds files other than the provider binary and LICENSE/README/CHANGELOG: install\\.sh \\(zip check\\)`),
    ],
    tarball: async (s) =>
      tarGz(await signedSet(s, new Map([[LINUX, await makeZip({ [binary]: 'bin', LICENSE: 'MIT', 'install.sh': 'rm -rf /' })]]))),
  },
  {
    name: 'a zip without the provider binary',
    status: 422,
    messages: [new RegExp(`${LINUX}: the zip holds no provider binary .* \\(zip check\\)`)],
    tarball: async (s) => tarGz(await signedSet(s, new Map([[LINUX, await makeZip({ 'terraform-provider-gadget': 'bin' })]]))),
  },
  {
    name: 'a manifest with an unsupported protocol',
    status: 422,
    messages: [new RegExp(`${PREFIX}_manifest\\.json: metadata\\.protocol_versions: protocol version "4\\.0" is not supported`)],
    tarball: async (s) =>
      tarGz(
        entriesOf(
          await buildRelease({
            type: TYPE,
            version: VERSION,
            platforms: [{ os: 'linux', arch: 'amd64' }],
            sign: s.sign,
            protocols: ['4.0'],
          }),
        ),
      ),
  },
  {
    name: 'a manifest that is not JSON',
    status: 422,
    messages: [/terraform-registry-manifest\.json: not valid JSON/],
    tarball: async (s) => tarGz([...entriesOf(await good(s)), { name: 'terraform-registry-manifest.json', content: '{nope' }]),
  },
  {
    name: 'a body that is not gzip',
    status: 422,
    count: 1,
    messages: [/the upload is not a complete gzip stream \(expected a \.tar\.gz\): .* \(tarball check\)/],
    tarball: async () => Buffer.from('PK\u0003\u0004 a zip, not a tarball'),
  },
  {
    name: 'a truncated tarball',
    status: 422,
    count: 1,
    messages: [/the upload is not a complete gzip stream/],
    tarball: async (s) => {
      const tgz = await tarGz(entriesOf(await good(s)));
      return tgz.subarray(0, tgz.length - 100);
    },
  },
  {
    name: 'gzip that is not a tar',
    status: 422,
    count: 1,
    messages: [/the upload is not a valid tar archive: .* \(tarball check\)/],
    tarball: async () => gzipSync(Buffer.from('x'.repeat(4096))),
  },
  {
    name: 'files outside the top-level directory',
    status: 422,
    messages: [/other\/README\.md: outside the tarball's top-level directory dist\//],
    tarball: async (s) => tarGz([...entriesOf(await good(s), (n) => `dist/${n}`), { name: 'other/README.md', content: 'x' }]),
  },
  {
    name: 'many failures at once (every one reported)',
    status: 422,
    count: 4,
    messages: [
      /notes\.txt: unsupported file/,
      new RegExp(`the release has no ${SUMS}\\.sig`),
      new RegExp(`${LINUX}: checksum mismatch`),
      /evil: symbolic link/,
    ],
    tarball: async (s) => {
      const r = await good(s);
      r.files.delete(`${SUMS}.sig`);
      r.files.set(LINUX, await makeZip({ [binary]: 'tampered' }));
      return tarGz([...entriesOf(r), { name: 'notes.txt', content: 'x' }, { name: 'evil', type: 'symlink', linkname: '/' }]);
    },
  },
  {
    name: 'a gzip bomb',
    status: 413,
    messages: [/the unpacked tarball is larger than the limit of 1048576 bytes \(size limit check\)/],
    limits: { maxUncompressedBytes: 1024 * 1024, maxEntryBytes: 1024 ** 3 },
    // 64 MiB of zeros in one entry: ~64 KiB compressed. Refused after 1 MiB, never expanded in full.
    tarball: async () =>
      gzipSync(
        Buffer.concat([tarHeader('terraform-provider-widget_1.0.0_linux_amd64.zip', 64 * 1024 * 1024), Buffer.alloc(64 * 1024 * 1024)]),
      ),
  },
  {
    name: 'an entry over the per-file limit',
    status: 413,
    messages: [new RegExp(`${LINUX} is \\d+ bytes, over the per-file limit of 100 bytes`)],
    limits: { maxEntryBytes: 100 },
    tarball: async (s) => tarGz(entriesOf(await good(s))),
  },
  {
    name: 'a compressed upload over the limit',
    status: 413,
    messages: [/the upload is \d+ bytes, over the limit of 512 bytes|the upload is larger than the limit of 512 bytes/],
    limits: { maxCompressedBytes: 512 },
    tarball: async (s) => tarGz(entriesOf(await good(s))),
  },
  {
    name: 'too many entries',
    status: 413,
    messages: [/the tarball holds more than 3 entries/],
    limits: { maxEntries: 3 },
    tarball: async (s) => tarGz(entriesOf(await good(s))),
  },
  {
    name: 'a small file over its limit',
    status: 422,
    messages: [/README\.md: 5000 bytes, over the limit of 4096 bytes for this file/],
    limits: { maxSmallFileBytes: 4096 },
    tarball: async (s) => tarGz([...entriesOf(await good(s)), { name: 'README.md', content: 'x'.repeat(5000) }]),
  },
];

/** A bare ustar header for a regular file of `size` bytes (to build a bomb without tar-stream buffering it). */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('0', 156);
  h.write('ustar\u000000', 257);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/**
 * Runs one case: creates key, provider and version on `h`, uploads, and checks the status, every
 * expected message, the recorded `errored` status, and that the version tag does not exist.
 */
export async function runBadCase(h: Harness, c: BadCase, signers: Signers, armoredKey: string, namespace = 'acme'): Promise<void> {
  const keyId = await h.api.createKey(namespace, 'release key', armoredKey);
  const providerId = await h.api.createProvider(namespace, TYPE);
  const created = await h.api.createVersion(providerId, keyId, VERSION);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const up = await h.api.put(created.body.data.links.upload, await c.tarball(signers));
  assert.equal(up.status, c.status, `expected ${c.status}, got ${up.status}: ${details(up).join(' | ')}`);
  for (const re of c.messages) assertDetail(up, re);
  if (c.count !== undefined) assert.equal(details(up).length, c.count, details(up).join(' | '));
  const version = await h.api.get(`/api/v1/provider-versions/${created.body.data.id}`);
  assert.equal(version.body.data.attributes.status, 'errored');
  assert.deepEqual(version.body.data.attributes['error-messages'], details(up));
  const repository = providerRepository(h.deps.prefix, h.deps.registryHostname, namespace, TYPE);
  const tags = await h.deps.store.listTags(repository).catch(() => [] as string[]);
  assert.ok(!tags.includes(VERSION), `tag ${VERSION} must not exist after a refused upload (tags: ${tags.join(', ')})`);
  assert.deepEqual(await h.leftovers(), [], 'no temp file is left behind');
  const versions = await h.app.request(`/v1/providers/${namespace}/${TYPE}/versions`);
  if (versions.status === 200) assert.deepEqual(((await versions.json()) as { versions: unknown[] }).versions, []);
  else assert.equal(versions.status, 404);
}
