// Table tests of the module upload rules (names, entry kinds, limits, the root .tf check, unwrapping) and
// of the plain HCL scan, with no archive and no store involved.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { LimitExceededError } from '../core/byte-limit.js';
import { parseModuleId, moduleId, moduleVersionId } from './addresses.js';
import { scanBlockNames } from './package-facts.js';
import { checkEntryName, PackageTree } from './package-tree.js';
import { DEFAULT_MODULE_LIMITS } from './types.js';

const file = (path: string, size = 1) => ({ path, size, executable: false, open: async () => Readable.from([Buffer.alloc(size)]) });

function tree(paths: string[], limits = DEFAULT_MODULE_LIMITS) {
  const t = new PackageTree(limits);
  for (const p of paths) {
    const kept = t.admit(p, p.endsWith('/') ? 'directory' : 'file', 1);
    if (kept !== null) t.add(file(kept));
  }
  return t.finish();
}

describe('checkEntryName', () => {
  const cases: Array<[string, string | RegExp]> = [
    ['main.tf', 'main.tf'],
    ['./main.tf', 'main.tf'],
    ['a//b/./c.tf', 'a/b/c.tf'],
    ['dir/', 'dir'],
    ['./', ''],
    ['', /empty name/],
    ['/etc/passwd', /absolute/],
    ['C:/x.tf', /absolute/],
    ['a/../../x', /"\.\." is not allowed/],
    ['..', /"\.\." is not allowed/],
    ['a\\b.tf', /backslash/],
    ['a\nb.tf', /control characters/],
  ];
  for (const [raw, want] of cases) {
    it(JSON.stringify(raw), () => {
      const got = checkEntryName(raw);
      if (typeof want === 'string') assert.deepEqual(got, { path: want });
      else assert.match((got as { problem: string }).problem, want);
    });
  }
});

describe('PackageTree', () => {
  it('sorts files byte-wise and keeps nested directories', () => {
    const r = tree(['b.tf', 'a/z.tf', 'README.md', 'A.txt', 'modules/', 'main.tf']);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.files.map((f) => f.path),
      ['A.txt', 'README.md', 'a/z.tf', 'b.tf', 'main.tf'],
    );
  });

  it('unwraps one top-level directory holding the module root, and only then', () => {
    assert.deepEqual(
      tree(['mod/main.tf', 'mod/sub/x.tf']).files.map((f) => f.path),
      ['main.tf', 'sub/x.tf'],
    );
    const notRoot = tree(['mod/sub/x.tf']);
    assert.match(notRoot.problems[0]!, /found mod\/sub\/x\.tf, inside a directory/);
    assert.deepEqual(
      tree(['main.tf', 'mod/x.tf']).files.map((f) => f.path),
      ['main.tf', 'mod/x.tf'],
    );
  });

  it('accepts .tofu and .tf.json roots, refuses a module without configuration', () => {
    assert.deepEqual(tree(['main.tofu']).problems, []);
    assert.deepEqual(tree(['main.tf.json']).problems, []);
    assert.match(tree(['README.md']).problems[0]!, /no \.tf or \.tofu file at its root/);
    assert.match(tree([]).problems[0]!, /holds no files/);
  });

  it('refuses a path that is both a file and a directory', () => {
    assert.match(tree(['main.tf', 'x', 'x/y.tf']).problems[0]!, /^x: is both a file and a directory/);
  });

  it('throws LimitExceededError past the entry, file and total limits', () => {
    const limits = { ...DEFAULT_MODULE_LIMITS, maxEntries: 2, maxFileBytes: 10, maxUnpackedBytes: 15 };
    const t = new PackageTree(limits);
    t.admit('a/', 'directory', 0);
    t.admit('b', 'file', 10);
    assert.throws(() => t.admit('c', 'file', 1), LimitExceededError);
    assert.throws(() => new PackageTree(limits).admit('big', 'file', 11), /big is 11 bytes, over the per-file limit of 10 bytes/);
    const total = new PackageTree(limits);
    total.admit('x', 'file', 10);
    assert.throws(() => total.admit('y', 'file', 6), /add up to more than the limit of 15 bytes \(reached at y\)/);
  });
});

describe('scanBlockNames', () => {
  it('finds block headers, not commented-out ones or references', () => {
    const hcl = [
      'variable "region" {',
      '  type = string',
      '}',
      '# variable "commented" {}',
      '/* output "hidden" {',
      '} */',
      'output  "id"{ value = var.region }',
      'locals { x = "variable \\"nope\\" {" }',
    ].join('\n');
    assert.deepEqual(scanBlockNames(hcl, 'variable'), ['region']);
    assert.deepEqual(scanBlockNames(hcl, 'output'), ['id']);
  });
});

describe('module ids', () => {
  it('round-trips and refuses what cannot name a module', () => {
    const key = { namespace: 'acme', name: 'vpc_net', system: 'aws' };
    assert.equal(moduleId(key), 'mod-acme.vpc_net.aws');
    assert.equal(moduleVersionId(key, '1.0.0_b.1'), 'modver-acme.vpc_net.aws.1.0.0_b.1');
    assert.deepEqual(parseModuleId('mod-acme.vpc_net.aws'), key);
    for (const bad of ['mod-Acme.vpc.aws', 'mod-acme.vpc', 'prv-acme.vpc.aws', 'mod-acme.vpc.a-ws', 'mod-acme.vpc.aws.x']) {
      assert.throws(() => parseModuleId(bad), /no module with id/, bad);
    }
  });
});
