// verifyRelease on releases built in memory: which key decides, what each failure reports.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import { generateKey, makeRelease, type FixtureRelease, type TestKey } from '../../test/upstream/fixtures.js';
import { isUpstreamError, type UpstreamErrorCode } from './errors.js';
import type { UpstreamRelease } from './types.js';
import { verifyRelease } from './verify-release.js';

const code = (c: UpstreamErrorCode, re?: RegExp) => (e: unknown) => isUpstreamError(e, c) && (re === undefined || re.test(e.message));
let key: TestKey;
let other: TestKey;
let fixture: FixtureRelease;
const asRelease = (f: FixtureRelease, o: Partial<UpstreamRelease> = {}): UpstreamRelease => ({
  address: { hostname: 'registry.example.com', namespace: 'acme', type: f.type },
  version: f.version,
  protocols: ['6.0'],
  shasums: f.shasums,
  signature: f.signature,
  signingKeys: [f.key.armoredPublic],
  platforms: f.zips.map((z) => ({ os: z.os, arch: z.arch, filename: z.filename, hashes: [] })),
  ...o,
});

before(async () => {
  key = await generateKey('Publisher');
  other = await generateKey('Other');
  fixture = await makeRelease(
    'widget',
    '0.1.0',
    [
      ['linux', 'arm64'],
      ['freebsd', 'amd64'],
    ],
    key,
  );
});

test('the first key that signed decides; the others offered do not matter', async () => {
  const v = await verifyRelease(asRelease(fixture, { signingKeys: [other.armoredPublic, key.armoredPublic] }));
  assert.equal(v.signer.primaryKeyId, key.keyId);
  assert.equal(v.signer.armoredKey, key.armoredPublic);
  assert.deepEqual(
    v.platforms.map((p) => p.sha256),
    fixture.zips.map((z) => z.sha256),
  );
});

test('failures', async () => {
  await assert.rejects(verifyRelease(asRelease(fixture, { shasums: undefined })), code('SIGNATURE_INVALID', /mirror-only/));
  await assert.rejects(verifyRelease(asRelease(fixture, { signingKeys: ['not a key'] })), code('SIGNATURE_INVALID', /cannot check/));
  await assert.rejects(verifyRelease(asRelease(fixture, { signature: Buffer.from('junk') })), code('SIGNATURE_INVALID'));
  await assert.rejects(
    verifyRelease(asRelease(fixture, { signingKeys: [other.armoredPublic] })),
    code('UNKNOWN_SIGNER', new RegExp(`made by ${key.keyId}`)),
  );
  const junkSums = Buffer.from('not a sums file\n');
  await assert.rejects(
    verifyRelease(asRelease(fixture, { shasums: junkSums, signature: await key.sign(junkSums) })),
    code('BAD_RESPONSE', /SHA256SUMS line 1/),
  );
  const zh = asRelease(fixture);
  zh.platforms[0] = { ...(zh.platforms[0] as UpstreamRelease['platforms'][number]), hashes: [`zh:${'1'.repeat(64)}`] };
  await assert.rejects(verifyRelease(zh), code('CHECKSUM_MISMATCH', /zh:1{64} differs from SHA256SUMS/));
});

test('a signer key that expires soon gives a warning (injected clock)', async () => {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'Soon', email: 'soon@example.test' }],
    keyExpirationTime: 10 * 86_400,
    format: 'object',
  });
  const signature = Buffer.from(
    await openpgp.sign({
      message: await openpgp.createMessage({ binary: fixture.shasums }),
      signingKeys: privateKey,
      detached: true,
      format: 'binary',
    }),
  );
  const v = await verifyRelease(asRelease(fixture, { signature, signingKeys: [publicKey.armor()] }), {
    now: new Date(Date.now() + 5 * 86_400_000),
  });
  assert.equal(v.warnings.length, 1);
  assert.match(v.warnings[0] as string, /expires on .* \(in [56] days\)/);
});
