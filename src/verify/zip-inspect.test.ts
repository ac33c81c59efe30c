import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { isVerifyError, type VerifyErrorCode } from './errors.js';
import { checkProviderZipContents, dirhashH1, inspectZip, zipH1 } from './zip-inspect.js';

const sha256hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const verifyError =
  (code: VerifyErrorCode, re?: RegExp) =>
  (e: unknown): boolean =>
    isVerifyError(e, code) && (re === undefined || re.test(e.message));

const hasZipTools =
  spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0 && spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;
const zipSkip = hasZipTools || process.env.CI ? false : 'zip/unzip CLI not installed: cross-check SKIPPED';
if (zipSkip) console.warn(`\n!!! ${zipSkip} (apt-get install zip unzip)\n`);

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zipinspect-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface RawEntry {
  name: string | Buffer;
  data: Buffer;
  crc?: number;
  externalAttrs?: number;
  madeBy?: number;
  flags?: number;
  compressedSize?: number;
}

/** A minimal stored-method zip writer, to craft entries the zip CLI would never write. */
function writeZip(file: string, entries: RawEntry[]): string {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.isBuffer(e.name) ? e.name : Buffer.from(e.name, 'utf8');
    const crc = e.crc ?? crc32(e.data);
    const csize = e.compressedSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.flags ?? 0x800, 6);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(csize, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.madeBy ?? 0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.flags ?? 0x800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(csize, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(e.externalAttrs ?? (0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    const data = csize > e.data.length ? Buffer.concat([e.data, Buffer.alloc(csize - e.data.length)]) : e.data;
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  const path = join(dir, file);
  writeFileSync(path, Buffer.concat([...locals, cd, eocd]));
  return path;
}

test('dirhashH1: hand-computed vectors (Go dirhash Hash1 format)', () => {
  // printf '%s  a\n%s  b\n' $(printf A|sha256sum) $(printf B|sha256sum) | openssl dgst -sha256 -binary | base64
  assert.equal(
    dirhashH1([
      ['b', sha256hex('B')],
      ['a', sha256hex('A')],
    ]),
    'h1:qbAmSbnQ7yALwDYC9SKMIukW6jHUH0tYUqy9eEVULRg=',
  );
  // Byte-wise UTF-8 order: U+FF21 (ef bc a1) before U+1F600 (f0 9f 98 80), the reverse of UTF-16 order.
  const empty = sha256hex('');
  assert.equal(
    dirhashH1([
      ['\u{1F600}', empty],
      ['\uFF21', empty],
    ]),
    'h1:KIGVE59q75w8Bk06ryqhb8Oxcsax97H77O4wnGkur7k=',
  );
  assert.throws(() => dirhashH1([['a\nb', empty]]), verifyError('UNSAFE_ZIP', /newline/));
});

test("dirhashH1: Terraform's terraform-provider-null vector (docs/design/protocols.md §5.3)", () => {
  // Content of Terraform internal/getproviders/testdata/filesystem-mirror/registry.terraform.io/hashicorp/null/2.0.0/linux_amd64/terraform-provider-null
  const content = '# This is just a placeholder file for discovery testing, not a real provider plugin.\n';
  assert.equal(Buffer.byteLength(content), 85);
  assert.equal(dirhashH1([['terraform-provider-null', sha256hex(content)]]), 'h1:qjsREM4DqEWECD43FcPqddZ9oxCG+IaMTxvWPciS05g=');
});

test("inspectZip: OpenTofu's OCI fixture zip gives the h1 tofu records", async () => {
  // internal/command/e2etest/testdata/oci-provider-mirror/fake-registry/foo/blobs/sha256/11aa47eb… (OpenTofu f831fa1a), 268 bytes.
  const bytes = Buffer.from(
    'UEsDBBQAAAAIADZ9dFod1RlJSgAAAE8AAAAWABwAdGVycmFmb3JtLXByb3ZpZGVyLWZvb1VUCQADqJncZ6iZ3Gd1eAsAAQToAwAABOgDAAANyNENgCAMRdF/p+gEgLu4QMWHkBRLoBjHl+T+nHvkMmjF1IQjssqFTkk7WcZ68y4P4UOcxqeANC1xbQIXtXrDMJ9U6d1dcGH7AVBLAQIeAxQAAAAIADZ9dFod1RlJSgAAAE8AAAAWABgAAAAAAAEAAAC0gQAAAAB0ZXJyYWZvcm0tcHJvdmlkZXItZm9vVVQFAAOomdxndXgLAAEE6AMAAAToAwAAUEsFBgAAAAABAAEAXAAAAJoAAAAAAA==',
    'base64',
  );
  assert.equal(sha256hex(bytes), '11aa47eb05d2bac7eb9c27fdbf1447152c4f07c814a24db86c24339253db1534');
  const path = join(dir, 'fixture.zip');
  writeFileSync(path, bytes);
  const inspection = await inspectZip(path);
  assert.equal(inspection.h1, 'h1:/7EZyaSc8nHM3uqUqKetvsgqMEnGsWwI4PolJOvE8Xo=');
  assert.deepEqual(
    inspection.entries.map((e) => [e.name, e.size]),
    [['terraform-provider-foo', 79]],
  );
  assert.equal(await zipH1(path), inspection.h1);
  assert.equal(checkProviderZipContents(inspection.entries, 'foo', '1.0.0'), 'terraform-provider-foo');
});

test('inspectZip: h1 equals an independent unzip | sha256sum computation', { skip: zipSkip }, async () => {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'docs', 'sub'), { recursive: true });
  writeFileSync(
    join(src, 'terraform-provider-foo_v1.2.3'),
    Buffer.concat([Buffer.from('\x7fELF'), createHash('sha512').update('x').digest(), Buffer.alloc(300_000, 7)]),
  );
  writeFileSync(join(src, 'LICENSE'), 'MPL-2.0\n');
  writeFileSync(join(src, 'README.md'), '# foo\n');
  writeFileSync(join(src, 'docs', 'sub', 'b.txt'), '');
  writeFileSync(join(src, 'Zeta.txt'), 'upper case sorts first\n');
  const zip = join(dir, 'cli.zip');
  execFileSync('zip', ['-q', '-r', '-D', '-X', zip, '.'], { cwd: src });
  const reference = execFileSync('bash', [
    '-c',
    'unzip -Z1 "$1" | LC_ALL=C sort | while IFS= read -r n; do printf "%s  %s\\n" "$(unzip -p "$1" "$n" | sha256sum | cut -c1-64)" "$n"; done ' +
      '| openssl dgst -sha256 -binary | base64',
    'h1',
    zip,
  ])
    .toString()
    .trim();
  const inspection = await inspectZip(zip);
  assert.equal(inspection.h1, `h1:${reference}`);
  assert.equal(inspection.entries.length, 5);
  assert.equal(inspection.uncompressedBytes, 64 + 4 + 300_000 + 8 + 6 + 23);
  assert.throws(
    () => checkProviderZipContents(inspection.entries, 'foo', '1.2.3'),
    verifyError('ZIP_POLICY', /(?=.*Zeta\.txt)(?=.*docs\/sub\/b\.txt)/),
  );
});

test('inspectZip: directory entries and symbolic links from the zip CLI are refused', { skip: zipSkip }, async () => {
  const src = join(dir, 'src2');
  mkdirSync(join(src, 'd'), { recursive: true });
  writeFileSync(join(src, 'd', 'f'), 'x');
  symlinkSync('/etc/passwd', join(src, 'link'));
  execFileSync('zip', ['-q', '-r', join(dir, 'dirs.zip'), 'd'], { cwd: src });
  execFileSync('zip', ['-q', '-y', join(dir, 'link.zip'), 'link'], { cwd: src });
  await assert.rejects(inspectZip(join(dir, 'dirs.zip')), verifyError('UNSAFE_ZIP', /"d\/": directory entries/));
  await assert.rejects(inspectZip(join(dir, 'link.zip')), verifyError('UNSAFE_ZIP', /"link": symbolic links/));
});

test('inspectZip: crafted unsafe or damaged zips', async () => {
  const x = Buffer.from('x');
  const cases: Array<[string, RawEntry[], VerifyErrorCode, RegExp]> = [
    ['dotdot', [{ name: '../evil', data: x }], 'UNSAFE_ZIP', /"\.\.\/evil": ".." path segment/],
    ['absolute', [{ name: '/etc/passwd', data: x }], 'UNSAFE_ZIP', /absolute path/],
    ['drive', [{ name: 'C:/x', data: x }], 'UNSAFE_ZIP', /absolute path/],
    ['backslash', [{ name: 'a\\b', data: x }], 'UNSAFE_ZIP', /backslash/],
    ['newline', [{ name: 'a\nb', data: x }], 'UNSAFE_ZIP', /control character/],
    ['dot segment', [{ name: './a', data: x }], 'UNSAFE_ZIP', /"\." path segment/],
    [
      'duplicate',
      [
        { name: 'a', data: x },
        { name: 'a', data: x },
      ],
      'UNSAFE_ZIP',
      /appears twice/,
    ],
    ['not utf-8', [{ name: Buffer.from([0x61, 0xe9]), data: x, flags: 0 }], 'UNSAFE_ZIP', /not UTF-8/],
    ['symlink mode', [{ name: 'l', data: x, externalAttrs: (0o120777 << 16) >>> 0 }], 'UNSAFE_ZIP', /symbolic links/],
    ['fifo mode', [{ name: 'p', data: x, externalAttrs: (0o010644 << 16) >>> 0 }], 'UNSAFE_ZIP', /not a regular file/],
    ['dos directory', [{ name: 'd', data: Buffer.alloc(0), madeBy: 0x0014, externalAttrs: 0x10 }], 'UNSAFE_ZIP', /MS-DOS directory/],
    ['encrypted', [{ name: 'e', data: x, flags: 0x801, compressedSize: 13 }], 'UNSAFE_ZIP', /encrypted/],
    ['bad crc', [{ name: 'c', data: x, crc: 1 }], 'CORRUPT_ZIP', /"c": CRC-32 mismatch/],
    ['size mismatch', [{ name: 's', data: x, compressedSize: 2 }], 'CORRUPT_ZIP', /damaged zip/],
  ];
  for (const [name, entries, code, re] of cases) {
    await assert.rejects(inspectZip(writeZip(`${name.replace(/\W/g, '_')}.zip`, entries)), verifyError(code, re), name);
  }
  const ok = await inspectZip(
    writeZip('ok.zip', [
      { name: 'b', data: x },
      { name: 'a/é', data: Buffer.from('y') },
    ]),
  );
  assert.equal(
    ok.h1,
    dirhashH1([
      ['a/é', sha256hex('y')],
      ['b', sha256hex('x')],
    ]),
  );
});

test('inspectZip: limits, non-zips, missing files', async () => {
  const many = writeZip(
    'many.zip',
    Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: Buffer.alloc(100) })),
  );
  await assert.rejects(inspectZip(many, { maxEntries: 4 }), verifyError('TOO_LARGE', /5 entries/));
  await assert.rejects(inspectZip(many, { maxUncompressedBytes: 450 }), verifyError('TOO_LARGE', /uncompressed size limit/));
  assert.equal((await inspectZip(many, { maxEntries: 5, maxUncompressedBytes: 500 })).entries.length, 5);
  const text = join(dir, 'text.zip');
  writeFileSync(text, 'this is not a zip file\n'.repeat(10));
  await assert.rejects(inspectZip(text), verifyError('NOT_A_ZIP', /not a zip file/));
  await assert.rejects(inspectZip(join(dir, 'missing.zip')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});

test('checkProviderZipContents: the "only the provider binary" policy', () => {
  const names = (...n: string[]) => n.map((name) => ({ name }));
  const good: Array<[string[], string | undefined, string]> = [
    [['terraform-provider-foo'], '1.0.0', 'terraform-provider-foo'],
    [['terraform-provider-foo_v1.0.0', 'LICENSE', 'README.md', 'CHANGELOG.md'], '1.0.0', 'terraform-provider-foo_v1.0.0'],
    [['terraform-provider-foo_v1.0.0_x5.exe'], '1.0.0', 'terraform-provider-foo_v1.0.0_x5.exe'],
    [['terraform-provider-foo.exe', 'license.txt'], undefined, 'terraform-provider-foo.exe'],
    [['terraform-provider-foo_v2.0.0-rc.1'], undefined, 'terraform-provider-foo_v2.0.0-rc.1'],
  ];
  for (const [entries, version, want] of good) assert.equal(checkProviderZipContents(names(...entries), 'foo', version), want);
  const bad: Array<[string[], string | undefined, RegExp]> = [
    [[], '1.0.0', /no provider binary \(expected terraform-provider-foo_v1\.0\.0/],
    [['terraform-provider-bar'], '1.0.0', /no provider binary/],
    [['terraform-provider-foo_v1.0.1'], '1.0.0', /no provider binary/],
    [['terraform-provider-foo', 'terraform-provider-foo_v1.0.0'], '1.0.0', /several provider binaries/],
    [['terraform-provider-foo', 'install.sh'], '1.0.0', /other than the provider binary.*install\.sh/],
    [['terraform-provider-foo', 'docs/LICENSE'], '1.0.0', /docs\/LICENSE/],
  ];
  for (const [entries, version, re] of bad) {
    assert.throws(() => checkProviderZipContents(names(...entries), 'foo', version), verifyError('ZIP_POLICY', re), entries.join(','));
  }
});
