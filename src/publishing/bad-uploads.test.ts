// Every refused upload (test/publish/bad-releases.ts) on the memory store: status, messages naming the file
// and the check, `errored` recorded, no semver tag. The same table runs against the real registry in
// test/publish/distribution.test.ts.
import { before, describe, it } from 'node:test';
import { createMemoryStore } from '../oci/memory-store.js';
import { BAD_RELEASES, runBadCase, type Signers } from '../../test/publish/bad-releases.js';
import { publishHarness } from '../../test/publish/harness.js';
import { generatePgpKey, type PgpKey } from '../../test/publish/pgp.js';

describe('refused uploads (memory store)', () => {
  let key: PgpKey;
  let signers: Signers;
  before(async () => {
    key = await generatePgpKey();
    const other = await generatePgpKey({ name: 'Someone else' });
    signers = { sign: (d) => key.sign(d), signOther: (d) => other.sign(d) };
  });

  for (const c of BAD_RELEASES) {
    it(`refuses ${c.name} with ${c.status}`, async () => {
      const h = publishHarness(createMemoryStore(), c.limits ? { limits: c.limits } : {});
      await runBadCase(h, c, signers, key.armoredPublic);
    });
  }
});
