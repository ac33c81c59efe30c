import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLayoutError } from './errors.js';
import {
  canonicalVersion,
  componentToHostname,
  hostnameToComponent,
  moduleRepository,
  normalizeHostname,
  normalizeModuleName,
  normalizeModuleNamespace,
  normalizeModuleSystem,
  normalizeProviderNamespace,
  normalizeProviderType,
  providerRepository,
  tagToVersion,
  versionToTag,
} from './names.js';

test('normalizeHostname: svchost-style normalization', () => {
  const cases: Array<[string, string]> = [
    ['registry.example.com', 'registry.example.com'],
    ['Registry.Example.COM', 'registry.example.com'],
    ['registry.example.com:443', 'registry.example.com'],
    ['registry.example.com:8443', 'registry.example.com:8443'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['localhost:5000', 'localhost:5000'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeHostname(input), want, input);
});

test('normalizeHostname: refuses what is not host[:port]', () => {
  const cases = [
    '',
    'https://example.com',
    'user@example.com',
    'example.com/path',
    'example.com:',
    'example.com:0',
    'example.com:99999',
    'example.com:08443',
    'a:1:2',
    '[::1]',
    'exa mple.com',
    'under_score.com',
    'example.com.',
    '-bad.example.com',
    'example..com',
    '0x7f.1',
    '127.1',
  ];
  for (const input of cases) {
    assert.throws(
      () => normalizeHostname(input),
      (e) => isLayoutError(e, 'INVALID_NAME') && e.message.includes('hostname'),
      input,
    );
  }
});

test('hostname <-> repository component: a port is written _port and decoded back', () => {
  assert.equal(hostnameToComponent('example.com:8443'), 'example.com_8443');
  assert.equal(hostnameToComponent('example.com:443'), 'example.com');
  assert.equal(componentToHostname('example.com_8443'), 'example.com:8443');
  assert.equal(componentToHostname('example.com'), 'example.com');
  assert.throws(
    () => componentToHostname('example.com_84_43'),
    (e) => isLayoutError(e, 'INVALID_NAME'),
  );
});

test('providerRepository / moduleRepository', () => {
  assert.equal(providerRepository('', 'registry.example.com', 'Acme', 'foo'), 'providers/registry.example.com/acme/foo');
  assert.equal(
    providerRepository('tf/mirror', 'Example.com:8443', 'hashicorp', 'google-beta'),
    'tf/mirror/providers/example.com_8443/hashicorp/google-beta',
  );
  assert.equal(providerRepository('/tf/', 'example.com', 'a', 'b'), 'tf/providers/example.com/a/b');
  assert.equal(moduleRepository('tf', 'example.com', 'Acme', 'my_vpc', 'aws'), 'tf/modules/example.com/acme/my_vpc/aws');
  assert.throws(
    () => providerRepository('Bad Prefix', 'example.com', 'a', 'b'),
    (e) => isLayoutError(e, 'INVALID_NAME') && e.message.includes('prefix'),
  );
  assert.throws(() => providerRepository('', 'example.com', 'a_b', 'foo'), /provider namespace "a_b"/);
  assert.throws(() => moduleRepository('', 'example.com', 'a', 'b', 'AWS'), /module system "AWS"/);
});

test('part validation names the bad part', () => {
  const bad: Array<[(s: string) => string, string, RegExp]> = [
    [normalizeProviderNamespace, '', /provider namespace ""/],
    [normalizeProviderNamespace, '-acme', /provider namespace "-acme"/],
    [normalizeProviderNamespace, 'ac--me', /provider namespace/],
    [normalizeProviderNamespace, 'a'.repeat(65), /provider namespace/],
    [normalizeProviderType, '1foo', /provider type "1foo"/],
    [normalizeProviderType, 'foo_bar', /provider type "foo_bar"/],
    [normalizeProviderType, 'foo-', /provider type "foo-"/],
    [normalizeModuleNamespace, '_x', /module namespace "_x"/],
    [normalizeModuleName, 'a-_b', /module name "a-_b": not usable as an OCI repository path component/],
    [normalizeModuleName, 'a___b', /module name "a___b": not usable as an OCI/],
    [normalizeModuleSystem, 'aws-x', /module system "aws-x"/],
  ];
  for (const [fn, input, re] of bad)
    assert.throws(
      () => fn(input),
      (e) => isLayoutError(e, 'INVALID_NAME') && re.test(e.message),
      input,
    );
  assert.equal(normalizeProviderNamespace('HashiCorp'), 'hashicorp');
  assert.equal(normalizeProviderNamespace('123corp'), '123corp');
  assert.equal(normalizeProviderType('Google-Beta'), 'google-beta');
  assert.equal(normalizeModuleName('consul_cluster'), 'consul_cluster');
  assert.equal(normalizeModuleNamespace('a__b'), 'a__b');
});

test('versionToTag / tagToVersion', () => {
  const roundTrip: Array<[string, string]> = [
    ['1.2.3', '1.2.3'],
    ['1.0.2+foo.1', '1.0.2_foo.1'],
    ['2.0.0-beta.1', '2.0.0-beta.1'],
    ['2.0.0-rc.1+build.5', '2.0.0-rc.1_build.5'],
  ];
  for (const [version, tag] of roundTrip) {
    assert.equal(versionToTag(version), tag);
    assert.equal(tagToVersion(tag), version);
  }
  for (const tag of ['latest', 'v1.0.0', '1.0', '1', '01.0.0', '1.0.0_a_b', '1.0.0-01', '=1.0.0', 'sha256-abc']) {
    assert.equal(tagToVersion(tag), null, tag);
  }
  for (const version of ['v1.0.0', '1.0', ' 1.0.0', `1.0.0-${'a'.repeat(130)}`]) {
    assert.throws(
      () => versionToTag(version),
      (e) => isLayoutError(e, 'INVALID_VERSION'),
      version,
    );
  }
  assert.equal(canonicalVersion('1.2.3+x'), '1.2.3+x');
  assert.equal(canonicalVersion('v1.2.3'), null);
});
