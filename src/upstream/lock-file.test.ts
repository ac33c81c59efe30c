// .terraform.lock.hcl parsing: the file terraform writes, and bad input reported with line:column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { isUpstreamError } from './errors.js';
import { parseLockFile } from './lock-file.js';

const ZH = 'zh:2fe4884cb9642f48a5889f8dff8f5f511418a18537a9dfa77ada3bcdad391e4e';

test('parses the file terraform writes (comments, lists, trailing commas, ports, prereleases)', async () => {
  const text = await readFile(new URL('../../test/upstream/terraform.lock.hcl', import.meta.url), 'utf8');
  assert.deepEqual(parseLockFile(text), [
    {
      address: { hostname: 'registry.terraform.io', namespace: 'hashicorp', type: 'aws' },
      version: '5.31.0',
      constraints: '~> 5.0',
      hashes: [
        'h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=',
        'zh:0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d',
        ZH,
      ],
      line: 4,
    },
    { address: { hostname: 'example.com:8443', namespace: 'acme', type: 'widget' }, version: '1.2.0-rc.1+build.7', hashes: [ZH], line: 16 },
    { address: { hostname: 'registry.opentofu.org', namespace: 'hashicorp', type: 'random' }, version: '3.6.0', hashes: [], line: 21 },
  ]);
  assert.deepEqual(parseLockFile(''), []);
  assert.equal(parseLockFile('\uFEFFprovider "a.io/b/c" {\r\n  version = "1.0.0"\r\n}\r\n')[0]?.version, '1.0.0');
  assert.equal(parseLockFile('module "x" {\n  foo = "bar"\n}\n').length, 0, 'module blocks are reserved and ignored');
});

test('bad input: BAD_INPUT with file:line:column and what is wrong', () => {
  const p = (body: string) => `provider "registry.terraform.io/hashicorp/aws" {\n${body}\n}\n`;
  const cases: Array<[string, string, RegExp]> = [
    ['unterminated string', p('  version = "5.0.0'), /^lock:2:13: unterminated string$/],
    ['missing version', p('  hashes = []'), /^lock:1:10: provider registry\.terraform\.io\/hashicorp\/aws has no "version"$/],
    ['unknown argument', p('  version = "5.0.0"\n  source = "x"'), /^lock:3:3: unsupported argument "source"/],
    ['duplicate argument', p('  version = "5.0.0"\n  version = "5.0.1"'), /^lock:3:3: "version" is set twice/],
    ['not normalized version', p('  version = "v5.0.0"'), /^lock:2:3: "v5\.0\.0" is not a normalized version/],
    ['bad constraint', p('  version = "5.0.0"\n  constraints = "~> x"'), /^lock:3:3: version constraint "~> x": cannot parse/],
    ['bad hash', p('  version = "5.0.0"\n  hashes = [\n    "zh:1234",\n  ]'), /^lock:4:1: invalid hash "zh:1234"/],
    [
      'list not closed',
      p('  version = "5.0.0"\n  hashes = [\n    "zh:1"\n    "zh:2"'),
      /^lock:5:5: expected "," or "]" in the list, found string "zh:2"/,
    ],
    ['version is a list', p('  version = ["5.0.0"]'), /^lock:2:3: "version" must be a string$/],
    ['nested block', p('  version = "5.0.0"\n  inner {\n  }'), /^lock:3:9: expected "=" after "inner"/],
    ['template', p(`  version = "$\{var.v}"`), /^lock:2:14: template sequences/],
    ['two values on a line', p('  version = "5.0.0" "x"'), /^lock:2:21: expected the end of the line after "version"/],
    [
      'unclosed block',
      'provider "registry.terraform.io/hashicorp/aws" {\n  version = "5.0.0"\n',
      /^lock:3:1: the provider ".*" block is not closed/,
    ],
    [
      'short address',
      'provider "hashicorp/aws" {\n  version = "5.0.0"\n}\n',
      /^lock:1:10: provider address "hashicorp\/aws" must be fully qualified/,
    ],
    [
      'not normalized address',
      'provider "Registry.Terraform.io/hashicorp/aws" {\n  version = "5.0.0"\n}\n',
      /^lock:1:10: provider address must be written in normalized form "registry\.terraform\.io\/hashicorp\/aws"/,
    ],
    [
      'bad namespace',
      'provider "registry.terraform.io/-x/aws" {\n  version = "5.0.0"\n}\n',
      /^lock:1:10: provider address .* invalid namespace "-x"/,
    ],
    [
      'duplicate provider',
      `${p('  version = "5.0.0"')}${p('  version = "5.0.1"')}`,
      /^lock:4:10: provider registry\.terraform\.io\/hashicorp\/aws is locked twice \(first on line 1\)/,
    ],
    ['other block', 'terraform {\n}\n', /^lock:1:1: unexpected block type "terraform"/],
    ['no label', 'provider {\n}\n', /^lock:1:1: a provider block takes exactly one label/],
    ['stray character', p('  version = "5.0.0"\n  @'), /^lock:3:3: unexpected character "@"/],
    ['unterminated comment', `${p('  version = "5.0.0"')}/* never closed`, /^lock:4:1: unterminated \/\* comment/],
    ['bad escape', p('  version = "5.0\\q"'), /^lock:2:17: unsupported escape sequence "\\q"/],
  ];
  for (const [name, input, re] of cases) {
    assert.throws(
      () => parseLockFile(input, 'lock'),
      (e) => isUpstreamError(e, 'BAD_INPUT') && re.test(e.message),
      `${name}: ${(() => {
        try {
          parseLockFile(input, 'lock');
          return 'no error';
        } catch (e) {
          return (e as Error).message;
        }
      })()}`,
    );
  }
});
