// Property tests of the capabilities in URLs (src/core/sealed-token.ts, capability.ts, download-tickets.ts):
// a sealed payload opens to itself, any changed character or foreign key/context is refused, expiry holds,
// and a capability of one kind is never accepted as another. Then the archive entry names users send
// (src/modules/package-tree.ts checkEntryName, src/verify/release-names.ts parseReleaseFilename).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../../src/core/app-error.js';
import { openCapability, sealCapability } from '../../src/core/capability.js';
import { openTicket, sealDownload } from '../../src/core/download-tickets.js';
import { createSealedTokens } from '../../src/core/sealed-token.js';
import { checkEntryName } from '../../src/modules/package-tree.js';
import type { Digest } from '../../src/oci/types.js';
import { isVerifyError } from '../../src/verify/errors.js';
import { parseReleaseFilename } from '../../src/verify/release-names.js';
import { check, nastyString } from './support.js';

const secret = fc.string({ minLength: 16, maxLength: 40 });
const payload = fc
  .dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()), { maxKeys: 5 })
  .map((d) => ({ ...d }));
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}` as Digest);

describe('property: sealed tokens and download tickets', () => {
  it('a sealed payload opens to itself, under every secret that lists the sealing one', () => {
    check(
      fc.property(secret, secret, payload, fc.integer({ min: 1, max: 10_000 }), (s1, s2, p, ttl) => {
        const token = createSealedTokens([s1]).seal(p, ttl);
        assert.match(token, /^[A-Za-z0-9_-]+$/);
        assert.deepEqual(createSealedTokens([s1]).open(token), { ok: true, payload: p });
        assert.deepEqual(createSealedTokens([s2, s1]).open(token), { ok: true, payload: p }, 'rotation: any listed secret opens');
      }),
    );
  });

  it('any changed character, another secret or another context is refused as invalid, never thrown', () => {
    check(
      fc.property(secret, secret, payload, fc.nat(), fc.constantFrom(...B64URL), (s1, s2, p, at, ch) => {
        const token = createSealedTokens([s1]).seal(p, 300);
        const i = at % token.length;
        const changed = `${token.slice(0, i)}${ch}${token.slice(i + 1)}`;
        // base64url: the last character may carry unused bits, so a change there can decode to the same bytes.
        if (changed !== token && Buffer.from(changed, 'base64url').equals(Buffer.from(token, 'base64url')) === false) {
          assert.deepEqual(createSealedTokens([s1]).open(changed), { ok: false, reason: 'invalid' });
        }
        if (s2 !== s1) assert.deepEqual(createSealedTokens([s2]).open(token), { ok: false, reason: 'invalid' });
        assert.deepEqual(createSealedTokens([s1], Date.now, 'other-service').open(token), { ok: false, reason: 'invalid' });
      }),
    );
  });

  it('any string opens to invalid (or a payload only when sealed here), never an exception', () => {
    const tokens = createSealedTokens(['property-secret-0123456789']);
    check(
      fc.property(fc.oneof(nastyString, fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 200 })), (s) => {
        const r = tokens.open(s);
        assert.equal(r.ok, false);
      }),
    );
  });

  it('a ticket expires after its lifetime, and not before', () => {
    check(
      fc.property(fc.integer({ min: 1, max: 86_400 }), fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }), (ttl, t0) => {
        let now = t0;
        const tokens = createSealedTokens(['property-secret-0123456789'], () => now);
        const token = tokens.seal({ x: 1 }, ttl);
        now = t0 + (ttl - 1) * 1000;
        assert.equal(tokens.open(token).ok, true);
        now = t0 + (ttl + 1) * 1000;
        assert.deepEqual(tokens.open(token), { ok: false, reason: 'expired' });
      }),
    );
  });

  it('a download ticket names exactly its blob and caller; an upload capability is never a download ticket', () => {
    const tokens = createSealedTokens(['property-secret-0123456789']);
    const deps = { tokens, downloadTtl: 300 };
    check(
      fc.property(
        fc.stringMatching(/^[a-z0-9]+(?:\/[a-z0-9]+){0,3}$/),
        digest,
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 12 }),
        (repo, d, size, principal) => {
          const caller = { principal, credential: { username: 'u', password: 'p' } };
          const tail = sealDownload(deps, caller, repo, { digest: d, size, mediaType: 'archive/zip' }, 'f.zip', 'application/zip');
          const ticket = tail.split('/')[0] as string;
          const opened = openTicket(deps, ticket);
          assert.deepEqual([opened.repository, opened.digest, opened.size, opened.caller.principal], [repo, d, size, principal]);
          assert.deepEqual(opened.caller.credential, caller.credential);
          const upload = sealCapability(tokens, 'upload', caller, { v: 'id', n: 'nonce' }, 300);
          assert.throws(
            () => openTicket(deps, upload),
            (e: unknown) => isAppError(e) && e.code === 'URL_INVALID',
          );
          assert.throws(
            () => openCapability(tokens, 'upload', ticket, { what: 'upload URL', renew: '' }),
            (e: unknown) => isAppError(e) && e.code === 'URL_INVALID',
          );
        },
      ),
    );
  });
});

describe('property: archive entry names', () => {
  const segment = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/), fc.constantFrom('..', '.', '', '\\', 'C:', '\u0000', 'a\u0007b'));
  const entryName = fc.oneof(
    nastyString,
    fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/')),
  );

  it('an accepted module entry is relative, "/"-separated, without "..", "." or control characters, and stable', () => {
    check(
      fc.property(entryName, (raw) => {
        const r = checkEntryName(raw);
        if ('problem' in r) {
          assert.ok(r.problem.length > 0);
          return;
        }
        assert.ok(!r.path.startsWith('/'));
        assert.ok(!/[\\\u0000-\u001f\u007f]/.test(r.path));
        const parts = r.path === '' ? [] : r.path.split('/');
        assert.ok(
          parts.every((p) => p !== '' && p !== '.' && p !== '..'),
          r.path,
        );
        assert.deepEqual(checkEntryName(r.path === '' ? '.' : r.path), { path: r.path }, 'normalizing twice changes nothing');
      }),
    );
  });

  it('a release file name is classified only when it names exactly the type, version, os and arch', () => {
    const os = fc.constantFrom('linux', 'darwin', 'windows', 'plan9', '');
    const arch = fc.constantFrom('amd64', 'arm64', '386', 'mips', '');
    check(
      fc.property(os, arch, fc.oneof(nastyString, fc.constant('')), (o, a, junk) => {
        const name = `terraform-provider-widget_1.0.0_${o}_${a}.zip${junk}`;
        try {
          const f = parseReleaseFilename(name, 'widget', '1.0.0');
          assert.deepEqual(f, { kind: 'zip', filename: name, os: o, arch: a });
          assert.equal(junk, '');
        } catch (err) {
          assert.ok(isVerifyError(err, 'BAD_FILENAME'), String(err));
          assert.ok((err as Error).message.startsWith(name));
        }
      }),
    );
  });
});
