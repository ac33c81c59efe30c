import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVerifyError } from './errors.js';
import { parseReleaseFilename } from './release-names.js';

test('parseReleaseFilename: the four GoReleaser file kinds', () => {
  const cases: Array<[string, string, string, object]> = [
    ['terraform-provider-foo_1.2.3_linux_amd64.zip', 'foo', '1.2.3', { kind: 'zip', os: 'linux', arch: 'amd64' }],
    [
      'terraform-provider-google-beta_5.0.0-rc.1+b.2_windows_386.zip',
      'google-beta',
      '5.0.0-rc.1+b.2',
      { kind: 'zip', os: 'windows', arch: '386' },
    ],
    ['terraform-provider-foo_1.2.3_SHA256SUMS', 'foo', '1.2.3', { kind: 'shasums' }],
    ['terraform-provider-foo_1.2.3_SHA256SUMS.sig', 'foo', '1.2.3', { kind: 'signature' }],
    ['terraform-provider-foo_1.2.3_manifest.json', 'foo', '1.2.3', { kind: 'manifest' }],
  ];
  for (const [filename, type, version, want] of cases) {
    assert.deepEqual(parseReleaseFilename(filename, type, version), { filename, ...want });
  }
});

test('parseReleaseFilename: mismatches name the file and what differs', () => {
  const cases: Array<[string, RegExp]> = [
    ['foo_1.2.3_linux_amd64.zip', /^foo_1\.2\.3_linux_amd64\.zip: expected a name starting with "terraform-provider-foo_1\.2\.3_"/],
    ['terraform-provider-bar_1.2.3_linux_amd64.zip', /provider type is "bar", expected "foo"/],
    ['terraform-provider-foo_1.2.4_linux_amd64.zip', /version is "1\.2\.4", expected "1\.2\.3"/],
    ['terraform-provider-foo_v1.2.3_SHA256SUMS', /version is "v1\.2\.3"/],
    ['terraform-provider-foo_1.2.3_plan9_amd64.zip', /unsupported os "plan9" \(allowed: linux, darwin/],
    ['terraform-provider-foo_1.2.3_linux_riscv64.zip', /unsupported arch "riscv64" \(allowed: amd64, 386, arm, arm64\)/],
    ['terraform-provider-foo_1.2.3_linux_amd64.tar.gz', /expected _<os>_<arch>\.zip/],
    ['terraform-provider-foo_1.2.3_SHA256SUMS.asc', /expected _<os>_<arch>\.zip, _SHA256SUMS/],
    ['terraform-provider-foo_1.2.3', /expected _<os>_<arch>\.zip/],
  ];
  for (const [filename, re] of cases) {
    assert.throws(
      () => parseReleaseFilename(filename, 'foo', '1.2.3'),
      (e) => isVerifyError(e, 'BAD_FILENAME') && re.test(e.message),
      filename,
    );
  }
});
