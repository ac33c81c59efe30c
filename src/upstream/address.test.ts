// Provider addresses, platforms, hashes and the streaming checksum check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { formatProviderAddress, packageFilename, parsePlatform, parseProviderAddress } from './address.js';
import { ChecksumCheck } from './checksum-stream.js';
import { isUpstreamError } from './errors.js';
import { checkPackageHashes, lockHashesAccept, sha256FromHashes, zhHash } from './hashes.js';

const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

test('parseProviderAddress: defaults, case, ports; errors name the part', () => {
  assert.deepEqual(parseProviderAddress('HashiCorp/AWS'), { hostname: 'registry.terraform.io', namespace: 'hashicorp', type: 'aws' });
  assert.deepEqual(parseProviderAddress('hashicorp/aws', 'registry.opentofu.org').hostname, 'registry.opentofu.org');
  assert.equal(formatProviderAddress(parseProviderAddress('Example.com:8443/acme/google-beta')), 'example.com:8443/acme/google-beta');
  const bad: Array<[string, RegExp]> = [
    ['aws', /expected "namespace\/type"/],
    ['a/b/c/d', /expected "namespace\/type"/],
    ['hashicorp/-aws', /invalid type "-aws"/],
    ['hashi_corp/aws', /invalid namespace "hashi_corp"/],
    ['exa mple.com/a/b', /invalid hostname/],
  ];
  for (const [input, re] of bad)
    assert.throws(
      () => parseProviderAddress(input),
      (e) => isUpstreamError(e, 'BAD_INPUT') && re.test(e.message),
      input,
    );
});

test('platforms and file names', () => {
  assert.deepEqual(parsePlatform('linux_amd64'), { os: 'linux', arch: 'amd64' });
  assert.throws(
    () => parsePlatform('linux-amd64'),
    (e) => isUpstreamError(e, 'BAD_INPUT'),
  );
  assert.equal(packageFilename('aws', '5.0.0', { os: 'darwin', arch: 'arm64' }), 'terraform-provider-aws_5.0.0_darwin_arm64.zip');
});

test('hashes', () => {
  const hex = 'ab'.repeat(32);
  assert.equal(sha256FromHashes(['h1:x', zhHash(hex.toUpperCase())], 'p'), hex);
  assert.equal(sha256FromHashes(['h1:x'], 'p'), undefined);
  assert.throws(
    () => sha256FromHashes([zhHash(hex), zhHash('cd'.repeat(32))], 'p'),
    (e) => isUpstreamError(e, 'BAD_RESPONSE'),
  );
  assert.throws(
    () => checkPackageHashes(['zh:12'], 'p'),
    (e) => isUpstreamError(e, 'BAD_RESPONSE') && /invalid hash "zh:12"/.test(e.message),
  );
  assert.deepEqual(checkPackageHashes(['h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=', 'x1:future'], 'p').length, 2);
  assert.equal(lockHashesAccept([], { sha256: hex }), true);
  assert.equal(lockHashesAccept([zhHash(hex)], { sha256: hex }), true);
  assert.equal(lockHashesAccept(['h1:abc'], { sha256: hex, h1: 'h1:abc' }), true);
  assert.equal(lockHashesAccept(['h1:abc'], { sha256: hex }), false);
});

test('ChecksumCheck passes good bytes, fails wrong ones at the end, enforces limits', async () => {
  const data = [Buffer.from('hello '), Buffer.from('world')];
  const hex = createHash('sha256').update(Buffer.concat(data)).digest('hex');
  await pipeline(Readable.from(data), new ChecksumCheck({ sha256: hex.toUpperCase(), label: 'a.zip', size: 11 }), sink());
  await assert.rejects(
    pipeline(Readable.from(data), new ChecksumCheck({ sha256: '0'.repeat(64), label: 'a.zip' }), sink()),
    (e) => isUpstreamError(e, 'CHECKSUM_MISMATCH') && /^a\.zip: sha256 is [0-9a-f]{64}, expected 0{64}$/.test(e.message),
  );
  await assert.rejects(
    pipeline(Readable.from(data), new ChecksumCheck({ sha256: hex, label: 'a.zip', size: 12 }), sink()),
    (e) => isUpstreamError(e, 'CHECKSUM_MISMATCH') && /got 11 bytes, expected 12/.test(e.message),
  );
  await assert.rejects(
    pipeline(Readable.from(data), new ChecksumCheck({ label: 'a.zip', maxBytes: 8 }), sink()),
    (e) => isUpstreamError(e, 'TOO_LARGE') && /a\.zip is larger than the limit of 8 bytes/.test(e.message),
  );
});
