// Uses the real gpg CLI (test/support/gpg.ts): keys and signatures made the way publishers make them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createGpgHome, gpgSkip, type GpgHome, type KeyKind, type TestKey } from '../../test/support/gpg.js';
import { isSignatureError, isVerifyError, type SignatureErrorCode } from './errors.js';
import { keyExpiryWarning, readPublicKey, toBinarySignature, verifyDetachedSignature } from './gpg.js';

const sums = Buffer.from(`${'a'.repeat(64)}  terraform-provider-foo_1.0.0_linux_amd64.zip\n`);
const signatureError =
  (code: SignatureErrorCode, re?: RegExp) =>
  (e: unknown): boolean =>
    isSignatureError(e, code) && (re === undefined || re.test(e.message));

describe('OpenPGP with real GnuPG keys', { skip: gpgSkip }, () => {
  let home: GpgHome;
  const keys = {} as Record<KeyKind, TestKey>;
  const armored = {} as Record<KeyKind, string>;
  const kinds: KeyKind[] = ['rsa3072', 'ed25519', 'subkey'];

  before(async () => {
    home = await createGpgHome();
    for (const kind of kinds) {
      keys[kind] = await home.generateKey(kind, `${kind}@example.com`);
      armored[kind] = await home.exportPublicKey(keys[kind]);
    }
  });
  after(async () => {
    await home?.close();
  });

  test('readPublicKey reports what gpg reports', async () => {
    const want: Record<KeyKind, string> = { rsa3072: 'RSA 3072', ed25519: 'EdDSA ed25519', subkey: 'EdDSA ed25519' };
    for (const kind of kinds) {
      const info = await readPublicKey(armored[kind]);
      assert.equal(info.fingerprint, keys[kind].fingerprint);
      assert.equal(info.keyId, keys[kind].keyId);
      assert.equal(info.algorithm, want[kind]);
      assert.deepEqual(info.userIds, [`Test ${kind} <${kind}@example.com>`]);
      // The cert-only primary cannot sign; only its subkey can.
      assert.deepEqual(info.signingKeyIds, [keys[kind].signingKeyId]);
      const days = ((info.expiresAt?.getTime() ?? 0) - info.createdAt.getTime()) / 86_400_000;
      assert.ok(days >= 364 && days <= 366, `expiry ${days} days after creation`);
      assert.ok(
        info.armored.startsWith('-----BEGIN PGP PUBLIC KEY BLOCK-----\n') && info.armored.endsWith('-----END PGP PUBLIC KEY BLOCK-----\n'),
      );
      assert.equal(keyExpiryWarning(info), null);
    }
    assert.equal((await readPublicKey(armored.rsa3072.replace(/\n/g, '\r\n'))).armored, (await readPublicKey(armored.rsa3072)).armored);
  });

  test('readPublicKey refuses garbage, private keys and several keys', async () => {
    const secret = (await home.gpg(['--armor', '--export-secret-keys', keys.ed25519.fingerprint])).toString();
    const twoInOneBlock = (await home.gpg(['--armor', '--export', keys.rsa3072.fingerprint, keys.ed25519.fingerprint])).toString();
    const cases: Array<[string, string, string]> = [
      ['garbage', 'hello', 'KEY_MALFORMED'],
      ['broken armor', '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n', 'KEY_MALFORMED'],
      ['private key', secret, 'KEY_PRIVATE'],
      ['two blocks', armored.rsa3072 + armored.ed25519, 'KEY_MULTIPLE'],
      ['two keys in one block', twoInOneBlock, 'KEY_MULTIPLE'],
    ];
    for (const [name, input, code] of cases) await assert.rejects(readPublicKey(input), (e) => isVerifyError(e) && e.code === code, name);
  });

  test('good signatures verify: RSA, ed25519, signing subkey; binary and armored', async () => {
    for (const kind of kinds) {
      const want = { signerKeyId: keys[kind].signingKeyId, primaryKeyId: keys[kind].keyId };
      assert.deepEqual(await verifyDetachedSignature(sums, await home.detachSign(keys[kind], sums), armored[kind]), want, kind);
      assert.deepEqual(
        await verifyDetachedSignature(sums, await home.detachSign(keys[kind], sums, { armor: true }), armored[kind]),
        want,
        kind,
      );
    }
    assert.notEqual(keys.subkey.signingKeyId, keys.subkey.keyId);
  });

  test('tampered data, wrong key, garbage', async () => {
    const sig = await home.detachSign(keys.rsa3072, sums);
    const tampered = Buffer.from(sums.toString().replace('a', 'b'));
    await assert.rejects(verifyDetachedSignature(tampered, sig, armored.rsa3072), signatureError('BAD_SIGNATURE', /does not verify/));
    const edSig = await home.detachSign(keys.ed25519, sums);
    await assert.rejects(verifyDetachedSignature(tampered, edSig, armored.ed25519), signatureError('BAD_SIGNATURE'));
    await assert.rejects(
      verifyDetachedSignature(sums, sig, armored.ed25519),
      signatureError('UNKNOWN_SIGNER', new RegExp(`made by ${keys.rsa3072.keyId}, not by key ${keys.ed25519.keyId}`)),
    );
    await assert.rejects(verifyDetachedSignature(sums, Buffer.from('garbage'), armored.rsa3072), signatureError('MALFORMED'));
    await assert.rejects(verifyDetachedSignature(sums, Buffer.from([0x89, 0x01, 0x02]), armored.rsa3072), signatureError('MALFORMED'));
    await assert.rejects(verifyDetachedSignature(sums, sig, 'not a key'), signatureError('MALFORMED'));
  });

  test('with several signatures, the one by the given key decides', async () => {
    const both = await home.gpg(
      ['--local-user', keys.rsa3072.fingerprint, '--local-user', keys.ed25519.fingerprint, '--output', '-', '--detach-sign'],
      sums,
    );
    assert.equal((await verifyDetachedSignature(sums, both, armored.ed25519)).signerKeyId, keys.ed25519.keyId);
    assert.equal((await verifyDetachedSignature(sums, both, armored.rsa3072)).signerKeyId, keys.rsa3072.keyId);
  });

  test('a signature made while the key was valid still verifies after it expired (as in Terraform)', async () => {
    const old = await home.generateKey('ed25519', 'old@example.com', { fakedTime: '20200101T000000' });
    const oldArmored = await home.exportPublicKey(old);
    const sig = await home.detachSign(old, sums, { fakedTime: '20200601T000000' });
    assert.deepEqual(await verifyDetachedSignature(sums, sig, oldArmored), { signerKeyId: old.keyId, primaryKeyId: old.keyId });
    const info = await readPublicKey(oldArmored);
    assert.equal(info.expiresAt?.toISOString().slice(0, 4), '2020');
    assert.match(keyExpiryWarning(info) ?? '', new RegExp(`key ${old.keyId} expired on 2020-`));
  });

  test('toBinarySignature: armored -> exactly what gpg --dearmor gives; binary unchanged', async () => {
    const armoredSig = await home.detachSign(keys.rsa3072, sums, { armor: true });
    const dearmored = await home.gpg(['--dearmor'], armoredSig);
    assert.ok(toBinarySignature(armoredSig).equals(dearmored));
    assert.ok(toBinarySignature(dearmored).equals(dearmored));
    const crlf = Buffer.from(armoredSig.toString().replace(/\n/g, '\r\n'));
    assert.ok(toBinarySignature(crlf).equals(dearmored));
    const badCrc = Buffer.from(armoredSig.toString().replace(/\n=(.)/, (_m, c: string) => `\n=${c === 'A' ? 'B' : 'A'}`));
    assert.throws(() => toBinarySignature(badCrc), signatureError('MALFORMED', /CRC-24/));
  });
});

test('toBinarySignature refuses what is neither form', () => {
  assert.throws(() => toBinarySignature(Buffer.from('hello')), signatureError('MALFORMED'));
  assert.throws(() => toBinarySignature(Buffer.alloc(0)), signatureError('MALFORMED'));
  assert.throws(
    () => toBinarySignature(Buffer.from('-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----\n')),
    signatureError('MALFORMED', /PGP SIGNATURE/),
  );
});

test('keyExpiryWarning', () => {
  const now = new Date('2025-06-01T00:00:00Z');
  const at = (iso: string) => ({ keyId: 'ABCDEF0123456789', expiresAt: new Date(iso) });
  assert.equal(keyExpiryWarning({ keyId: 'ABCDEF0123456789', expiresAt: null }, now), null);
  assert.equal(keyExpiryWarning(at('2025-07-15T00:00:00Z'), now), null);
  assert.equal(
    keyExpiryWarning(at('2025-06-11T00:00:00Z'), now),
    'key ABCDEF0123456789 expires on 2025-06-11 (in 10 days): extend it and re-upload',
  );
  assert.match(keyExpiryWarning(at('2025-06-01T12:00:00Z'), now) ?? '', /in 1 day\)/);
  assert.match(keyExpiryWarning(at('2025-05-01T00:00:00Z'), now) ?? '', /^key ABCDEF0123456789 expired on 2025-05-01/);
});
