// Terraform version constraint semantics, table-driven (https://developer.hashicorp.com/terraform/language/expressions/version-constraints).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUpstreamError } from './errors.js';
import { isVersion, newestMatching, parseVersionConstraints, sortVersions } from './version-constraints.js';

test('matching', () => {
  const cases: Array<[constraint: string, yes: string[], no: string[]]> = [
    ['~> 5.0', ['5.0.0', '5.1.0', '5.99.3'], ['4.9.9', '6.0.0', '5.1.0-beta1']],
    ['~> 1.2', ['1.2.0', '1.9.9'], ['1.1.9', '2.0.0']],
    ['~> 1.2.3', ['1.2.3', '1.2.99'], ['1.2.2', '1.3.0']],
    ['~> 1', ['1.0.0', '1.5.0'], ['0.9.0', '2.0.0']],
    ['~> 0.12.0', ['0.12.0', '0.12.31'], ['0.13.0', '0.11.14']],
    ['>= 1.2, < 2.0', ['1.2.0', '1.99.0'], ['1.1.9', '2.0.0']],
    ['>=1.2,<2.0', ['1.5.0'], ['2.0.0']],
    ['= 1.0.0', ['1.0.0', '1.0.0+build.7'], ['1.0.1', '1.0.0-rc1']],
    ['1.0.0', ['1.0.0'], ['1.0.1']],
    ['= 1.2', ['1.2.0'], ['1.2.1']],
    ['!= 1.1.0', ['1.0.0', '1.2.0'], ['1.1.0']],
    ['> 1.0.0, <= 1.5.0', ['1.0.1', '1.5.0'], ['1.0.0', '1.5.1']],
    ['>= 1.0.0, != 1.3.0, < 2', ['1.2.0', '1.4.0'], ['1.3.0', '2.0.0']],
    // A prerelease matches only when named exactly.
    ['= 2.0.0-beta1', ['2.0.0-beta1'], ['2.0.0', '2.0.0-beta2']],
    ['2.0.0-beta1', ['2.0.0-beta1'], []],
    ['>= 2.0.0-alpha', ['2.0.0', '2.1.0'], ['2.0.0-beta1']],
    ['', ['0.0.1', '9.9.9'], ['1.0.0-rc1', 'v1.0.0', 'banana']],
  ];
  for (const [constraint, yes, no] of cases) {
    const m = parseVersionConstraints(constraint);
    for (const v of yes) assert.equal(m.matches(v), true, `${JSON.stringify(constraint)} should accept ${v}`);
    for (const v of no) assert.equal(m.matches(v), false, `${JSON.stringify(constraint)} should refuse ${v}`);
  }
});

test('parsed form', () => {
  assert.deepEqual(parseVersionConstraints('~> 1.2, != 1.4.1').constraints, [
    { operator: '~>', version: '1.2.0', components: 2 },
    { operator: '!=', version: '1.4.1', components: 3 },
  ]);
});

test('syntax errors are BAD_INPUT naming the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['~> v1.2', /"v" prefix/],
    ['>= 1.0,', /empty constraint between commas/],
    ['=> 1.0', /did you mean ">="/],
    ['~ 1.2', /cannot parse "~ 1\.2"/],
    ['^1.2', /cannot parse/],
    ['1.2.3.4', /cannot parse/],
    ['>= 1.0 < 2.0', /cannot parse/],
    ['latest', /cannot parse/],
  ];
  for (const [input, re] of cases) {
    assert.throws(
      () => parseVersionConstraints(input),
      (e) => isUpstreamError(e, 'BAD_INPUT') && re.test(e.message),
      input,
    );
  }
});

test('newestMatching, sortVersions, isVersion', () => {
  const available = ['4.67.0', '5.0.0', '5.31.0', '5.4.0', '6.0.0-beta1', '6.0.0', 'not-a-version'];
  assert.equal(newestMatching(available, parseVersionConstraints('~> 5.0')), '5.31.0');
  assert.equal(newestMatching(available, parseVersionConstraints('')), '6.0.0');
  assert.equal(newestMatching(available, parseVersionConstraints('> 7.0')), undefined);
  assert.deepEqual(sortVersions(available), ['4.67.0', '5.0.0', '5.4.0', '5.31.0', '6.0.0-beta1', '6.0.0']);
  assert.equal(isVersion('1.2.3+b.1'), true);
  assert.equal(isVersion('v1.2.3'), false);
  assert.equal(isVersion('1.2'), false);
});
