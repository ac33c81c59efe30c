import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVerifyError } from './errors.js';
import { parseShasums } from './shasums.js';

const a = 'a'.repeat(64);
const b = 'B'.repeat(64);

test('parseShasums: sha256sum and shasum output', () => {
  const doc = `${a}  terraform-provider-foo_1.0.0_linux_amd64.zip\n${b} *terraform-provider-foo_1.0.0_darwin_arm64.zip\n`;
  assert.deepEqual(
    [...parseShasums(Buffer.from(doc))],
    [
      ['terraform-provider-foo_1.0.0_linux_amd64.zip', a],
      ['terraform-provider-foo_1.0.0_darwin_arm64.zip', 'b'.repeat(64)],
    ],
  );
  assert.equal(parseShasums(`${a}  x.zip`).get('x.zip'), a); // no final newline
  assert.equal(parseShasums(`${a}  x.zip\r\n${a}  y.zip\r\n`).get('y.zip'), a); // CRLF tolerated
});

test('parseShasums: errors name the line', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['\n', /line 1: blank line/],
    [`${a}  x.zip\n\n${a}  y.zip\n`, /line 2: blank line/],
    [`${a}  x.zip\n${a} x.zip\n`, /line 2: expected "<64 hex digits> {2}<file name>"/],
    [`${a.slice(1)}  x.zip\n`, /line 1: expected/],
    [`${a}  x.zip\n${a}  x.zip\n`, /line 2: x\.zip is listed twice/],
    [`${a}  my file.zip\n`, /line 1: file name "my file.zip" contains whitespace/],
    [`\\${a}  a\\nb\n`, /line 1: expected/],
    [`SHA256 (x.zip) = ${a}\n`, /line 1: expected/],
  ];
  for (const [doc, re] of cases) {
    assert.throws(
      () => parseShasums(doc),
      (e) => isVerifyError(e, 'BAD_SHASUMS') && re.test(e.message),
      JSON.stringify(doc),
    );
  }
});
