// Claims: "exactly one of the replicas racing for KEY goes on", built on a registry that has no
// compare-and-swap (distribution-spec: PUT of a tag is last-writer-wins). Each contender writes its OWN
// claim under a unique tag `claim.<key hash>.<time ms>.<random>` in `<prefix>/claims` (a manifest of unique
// content, so deleting it by digest never takes another tag along), waits `settleMs`, lists the claims of
// the key and goes on only if its claim is the first by (time, random). Anyone who lost deletes its claim
// and gets a 409 from its caller. The winner deletes its claim once the state it guards is written, so a
// later contender that read the state before that write sees the claim and loses, and one that reads it
// after sees the new state.
//
// Why this gives one winner (docs/fault-tolerance.md#claims): a claim whose write took longer than
// settleMs / 2 is withdrawn and written again, so every claim that stands was visible within settleMs / 2
// of its time. A contender reads the list at least settleMs after its own time, so it sees every standing
// claim with an earlier time, provided the replicas' clocks differ by less than settleMs / 2 and the
// registry lists a tag once its PUT answered (read-after-write; Distribution does on a filesystem). Two
// contenders see each other's claims and agree on the first. Claims left by a crash stop counting after
// `ttlMs`. The remaining windows (clock skew, a registry that lists tags late, a winner stalled past
// ttlMs before writing its state) are documented there.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildImageManifest, emptyConfigDescriptor } from '../layout/oci-json.js';
import { isOciError } from '../oci/errors.js';
import type { OciStore } from '../oci/store.js';
import { EMPTY_CONFIG_BYTES, EMPTY_CONFIG_DIGEST, MEDIA_TYPE_IMAGE_MANIFEST, REPOSITORY_NAME_RE, type Digest } from '../oci/types.js';
import { AppError } from './app-error.js';
import { callOpts, type Caller } from './caller.js';
import { storeError } from './store-errors.js';

export const ARTIFACT_TYPE_CLAIM = 'application/vnd.tf-oci-registry.claim.v1';

/**
 * Claims older than this no longer count (a crashed contender's, or one the registry failed to delete). A
 * winner needs its claim only until it wrote its state (one or two record writes after the settle wait).
 */
export const DEFAULT_CLAIM_TTL_MS = 30_000;

/** Attempts at writing a claim fast enough before giving up with 503. */
const WRITE_ATTEMPTS = 5;

export interface ClaimDeps {
  store: OciStore;
  /** Storage prefix: claims live in `<prefix>/claims`. */
  prefix: string;
  /** Wait between writing a claim and listing the others, ms (0: one replica, no timing bound). */
  settleMs: number;
  /** Wall clock, ms (claims of different replicas are ordered by it). */
  now: () => number;
  ttlMs?: number;
}

/** A claim won: release it once the state it guards is written (or the work failed). */
export interface HeldClaim {
  release(): Promise<void>;
}

/** `<prefix>/claims`. */
export function claimsRepository(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const name = trimmed === '' ? 'claims' : `${trimmed}/claims`;
  if (!REPOSITORY_NAME_RE.test(name)) throw new Error(`claims repository ${JSON.stringify(name)} is not a valid OCI name`);
  return name;
}

interface ClaimTag {
  tag: string;
  time: number;
  random: string;
}

function parseClaimTag(tag: string, keyPart: string): ClaimTag | null {
  const m = /^claim\.([0-9a-f]{24})\.([0-9]{13})\.([A-Za-z0-9_-]+)$/.exec(tag);
  if (!m || m[1] !== keyPart) return null;
  return { tag, time: Number(m[2]), random: m[3]! };
}

const before = (a: ClaimTag, b: ClaimTag): boolean => a.time < b.time || (a.time === b.time && a.random < b.random);

/**
 * Claims `key` among every replica: a HeldClaim when this contender is the one that goes on, null when
 * another one does. Store failures are thrown as AppErrors (502/503/504).
 */
export async function claim(deps: ClaimDeps, key: string, caller: Caller): Promise<HeldClaim | null> {
  const { store } = deps;
  const repository = claimsRepository(deps.prefix);
  const opts = callOpts(caller);
  const keyPart = createHash('sha256').update(key).digest('hex').slice(0, 24);
  const ttl = deps.ttlMs ?? DEFAULT_CLAIM_TTL_MS;
  // settleMs 0 (one replica, tests): no timing bound to keep.
  const maxWriteMs = deps.settleMs > 0 ? deps.settleMs / 2 : Number.POSITIVE_INFINITY;

  const remove = async (digest: Digest, tag: string): Promise<void> => {
    try {
      await store.deleteManifest(repository, digest, { ...opts, tags: [tag] });
    } catch (err) {
      if (!isOciError(err, 'NOT_FOUND') && !isOciError(err, 'UNSUPPORTED')) throw err;
    }
  };

  try {
    let mine: ClaimTag | undefined;
    let digest: Digest | undefined;
    for (let attempt = 1; mine === undefined; attempt++) {
      const time = deps.now();
      const random = randomBytes(12).toString('base64url');
      const candidate = { tag: `claim.${keyPart}.${String(time).padStart(13, '0')}.${random}`, time, random };
      const manifest = buildImageManifest({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
        artifactType: ARTIFACT_TYPE_CLAIM,
        config: emptyConfigDescriptor(),
        layers: [emptyConfigDescriptor()],
        annotations: { 'io.tf-oci-registry.claim.key': key, 'io.tf-oci-registry.claim.nonce': random },
      });
      const t0 = performance.now();
      await store.pushBlob(repository, EMPTY_CONFIG_BYTES, { ...opts, digest: EMPTY_CONFIG_DIGEST, size: 2 });
      const pushed = await store.pushManifest(repository, candidate.tag, manifest.bytes, MEDIA_TYPE_IMAGE_MANIFEST, opts);
      if (performance.now() - t0 <= maxWriteMs) {
        mine = candidate;
        digest = pushed.digest;
      } else {
        // Too slow: another contender may have listed before it landed. Withdraw it, try again.
        await remove(pushed.digest, candidate.tag);
        if (attempt >= WRITE_ATTEMPTS)
          throw new AppError(
            'UPSTREAM_UNAVAILABLE',
            `the OCI registry at ${store.describe} took over ${Math.round(maxWriteMs)} ms to write a claim ${WRITE_ATTEMPTS} times; try again`,
          );
      }
    }
    await sleep(Math.max(0, mine.time + deps.settleMs - deps.now()));
    const now = deps.now();
    const claims = (await store.listTags(repository, opts))
      .map((t) => parseClaimTag(t, keyPart))
      .filter((c): c is ClaimTag => c !== null && c.time >= now - ttl);
    const first = claims.reduce<ClaimTag>((best, c) => (before(c, best) ? c : best), mine);
    const held = digest!;
    if (first.tag !== mine.tag) {
      await remove(held, mine.tag);
      return null;
    }
    return {
      async release() {
        await remove(held, mine.tag).catch(() => undefined); // a claim left behind stops counting after its TTL
      },
    };
  } catch (err) {
    throw storeError(err, { store });
  }
}
