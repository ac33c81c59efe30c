// Property tests of the names users reach (src/layout/names.ts): semver versions <-> OCI tags ("+" -> "_"),
// hostnames with ports <-> repository path components ("host:8443" -> "host_8443"), and repository names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isLayoutError } from '../../src/layout/errors.js';
import {
  canonicalVersion,
  componentToHostname,
  hostnameToComponent,
  moduleRepository,
  normalizeHostname,
  providerRepository,
  tagToVersion,
  versionToTag,
} from '../../src/layout/names.js';
import { REPOSITORY_NAME_RE, TAG_RE } from '../../src/oci/types.js';
import { check, nastyString } from './support.js';

const num = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 99999 }));
const ident = fc.stringMatching(/^(?:0|[1-9][0-9]{0,3}|[0-9]*[A-Za-z-][0-9A-Za-z-]{0,6})$/);
const buildIdent = fc.stringMatching(/^[0-9A-Za-z-]{1,8}$/);
/** Canonical semver: MAJOR.MINOR.PATCH[-pre][+build]. */
const semverArb = fc
  .tuple(num, num, num, fc.array(ident, { maxLength: 3 }), fc.array(buildIdent, { maxLength: 3 }))
  .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre.length ? `-${pre.join('.')}` : ''}${build.length ? `+${build.join('.')}` : ''}`);

/** Lowercase DNS names, some with a port. */
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const dnsName = fc
  .array(label, { minLength: 1, maxLength: 4 })
  .map((ls) => ls.join('.'))
  // A last label of digits (or 0x…) reads as an IPv4 address in URLs (WHATWG "ends in a number"): refused.
  .filter((h) => !/(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)$/.test(h));
const hostArb = fc
  .tuple(dnsName, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([h, p]) => (p === undefined ? h : `${h}:${p}`));

/** Either a value, or a LayoutError: any other exception is a bug. */
function outcome<T>(f: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    assert.ok(isLayoutError(err), `not a LayoutError: ${String(err)}`);
    assert.ok((err as Error).message.length > 0);
    return { ok: false };
  }
}

describe('property: versions and tags', () => {
  it('a canonical version maps to a valid OCI tag without "+" and back to itself', () => {
    check(
      fc.property(semverArb, (v) => {
        assert.equal(canonicalVersion(v), v);
        const tag = versionToTag(v);
        assert.ok(TAG_RE.test(tag), tag);
        assert.ok(!tag.includes('+'));
        assert.equal(tagToVersion(tag), v);
      }),
    );
  });

  it('any string: versionToTag gives a tag that reads back as the same string, or a LayoutError', () => {
    check(
      fc.property(
        fc.oneof(
          nastyString,
          semverArb.map((v) => `v${v}`),
          semverArb.map((v) => v.replace('+', '_')),
        ),
        (s) => {
          const r = outcome(() => versionToTag(s));
          if (r.ok) assert.equal(tagToVersion(r.value), s);
        },
      ),
    );
  });

  it('any tag: tagToVersion is null or a canonical version whose tag is that tag', () => {
    check(
      fc.property(fc.oneof(nastyString, semverArb.map(versionToTag)), (tag) => {
        const v = tagToVersion(tag);
        if (v !== null && TAG_RE.test(tag)) assert.equal(versionToTag(v), tag);
      }),
    );
  });
});

describe('property: hostnames and ports in repository names', () => {
  it('normalizeHostname is idempotent and the component round-trips', () => {
    check(
      fc.property(hostArb, (h) => {
        const n = normalizeHostname(h);
        assert.equal(normalizeHostname(n), n);
        const c = hostnameToComponent(h);
        assert.ok(!c.includes(':'));
        assert.equal(componentToHostname(c), n);
        assert.ok(REPOSITORY_NAME_RE.test(c), c);
      }),
    );
  });

  it('port 443 is dropped, other ports are kept', () => {
    check(
      fc.property(dnsName, fc.integer({ min: 1, max: 65535 }), (h, p) => {
        assert.equal(normalizeHostname(`${h}:${p}`), p === 443 ? h : `${h}:${p}`);
      }),
    );
  });

  it('uppercase and IDN hostnames normalize to one lowercase ASCII form', () => {
    check(
      fc.property(dnsName, (h) => {
        assert.equal(normalizeHostname(h.toUpperCase()), h);
      }),
    );
    assert.equal(normalizeHostname('Bücher.Example'), 'xn--bcher-kva.example');
  });

  it('any string: a valid hostname component or a LayoutError, never ".." or "/" or ":"', () => {
    check(
      fc.property(
        fc.oneof(
          nastyString,
          hostArb.map((h) => `${h}:${h}`),
          fc.constantFrom('..', 'a/../b', 'a:0', 'a:65536', 'a:-1', '[::1]'),
        ),
        (s) => {
          const r = outcome(() => hostnameToComponent(s));
          if (r.ok) {
            assert.ok(REPOSITORY_NAME_RE.test(r.value), r.value);
            assert.ok(!r.value.includes('/') && !r.value.includes(':') && !r.value.split('.').includes(''));
          }
        },
      ),
    );
  });

  it('any provider or module address: one OCI repository name under the prefix, or a LayoutError', () => {
    const part = fc.oneof(nastyString, label);
    check(
      fc.property(fc.oneof(hostArb, nastyString), part, part, part, (host, a, b, c) => {
        for (const r of [outcome(() => providerRepository('tf', host, a, b)), outcome(() => moduleRepository('tf', host, a, b, c))]) {
          if (!r.ok) continue;
          assert.ok(REPOSITORY_NAME_RE.test(r.value), r.value);
          assert.ok(r.value.startsWith('tf/providers/') || r.value.startsWith('tf/modules/'), r.value);
          assert.ok(!r.value.split('/').includes('..'));
        }
      }),
    );
  });

  it('distinct provider addresses never share a repository', () => {
    check(
      fc.property(hostArb, label, label, hostArb, label, label, (h1, n1, t1, h2, n2, t2) => {
        const a = outcome(() => providerRepository('tf', h1, n1, `t${t1}`));
        const b = outcome(() => providerRepository('tf', h2, n2, `t${t2}`));
        if (!a.ok || !b.ok) return;
        const same = normalizeHostname(h1) === normalizeHostname(h2) && n1 === n2 && t1 === t2;
        assert.equal(a.value === b.value, same, `${a.value} vs ${b.value}`);
      }),
    );
  });
});
