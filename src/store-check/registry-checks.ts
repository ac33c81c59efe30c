// The self-test's checks that only a registry store has, made with raw requests (src/oci/remote/probe.ts):
// which auth the registry asks for and whether our credential passes it, tag-list pagination (`n`,
// `last`, the Link header), the referrers API, and deleting a tag alone.
// Reference: https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md (listing tags,
// listing referrers, deleting tags), https://distribution.github.io/distribution/spec/auth/token/
import { parseNextLink } from '../oci/remote/tags.js';
import type { ProbeResponse, RegistryProbe } from '../oci/remote/probe.js';
import type { Digest } from '../oci/types.js';
import { describeError, fail, ok, warn } from './results.js';
import type { CheckResult } from './types.js';

const pull = (repository: string) => `repository:${repository}:pull`;

/** Which auth the registry asks an anonymous client for, and whether the configured credential passes. */
export async function checkAuth(probe: RegistryProbe, repository: string, hasCredential: boolean): Promise<CheckResult> {
  const anon = await probe.anonymous();
  const scheme =
    anon.scheme === 'bearer'
      ? `token auth (Bearer, realm ${anon.realm ?? '?'})`
      : anon.scheme === 'basic'
        ? 'Basic auth'
        : anon.status === 200
          ? 'no auth'
          : `answer ${anon.status} without a challenge`;
  if (anon.status === 200) {
    return warn(
      'auth',
      'the registry asks no credential: anyone who reaches it reads and writes',
      'put auth in front of the registry (htpasswd or a token server) unless it is on a private network only this server reaches',
    );
  }
  // A pull token for the scratch repository proves the token flow end to end (realm, service, credential).
  let res: ProbeResponse;
  try {
    res = await probe.send('GET', `${repository}/tags/list`, [pull(repository)]);
  } catch (err) {
    return fail(
      'auth',
      `${scheme}: getting a token failed: ${describeError(err)}`,
      'check that the token realm is reachable from this host and trusts our credential',
    );
  }
  if (res.status === 401 || res.status === 403) {
    return hasCredential
      ? fail(
          'auth',
          `${scheme}: the credential was refused (HTTP ${res.status})`,
          'check storage.username / storage.password (in delegate mode: mirror.username / mirror.password)',
        )
      : fail(
          'auth',
          `${scheme}: no credential configured and anonymous access refused (HTTP ${res.status})`,
          'set storage.username / storage.password (delegate mode: mirror.username / mirror.password) to a robot account with pull, push and delete',
        );
  }
  return ok('auth', `${scheme}: credential accepted${hasCredential ? '' : ' (anonymous)'}`);
}

/**
 * Tag pagination with `n` and `last`. `tags` are the scratch tags pushed (at least 3), `all` every tag the
 * store's listTags returned. A registry that cuts a page without a Link header would hide versions.
 */
export async function checkPagination(probe: RegistryProbe, repository: string, tags: readonly string[]): Promise<CheckResult> {
  const name = 'tag-pagination';
  const scopes = [pull(repository)];
  const first = await probe.send('GET', `${repository}/tags/list?n=2`, scopes);
  if (first.status !== 200)
    return fail(
      name,
      `GET tags/list?n=2 answered HTTP ${first.status}`,
      'the registry must serve the tag list (distribution-spec "Listing tags")',
    );
  const page = parseTagPage(first.body);
  if (page.length > 2)
    return ok(name, `the registry ignores n (gave ${page.length} tags for n=2); tf-oci-registry reads the whole list either way`);
  const next = parseNextLink(first.headers['link']);
  const notes: string[] = [`n=2 gave ${page.length} tags`];
  if (next === undefined) {
    return warn(
      name,
      `${notes[0]} and no Link header`,
      'the registry cuts tag lists without a Link rel="next": tags past the first page would be invisible; report it to the registry vendor',
    );
  }
  notes.push('Link rel="next" present');
  const rest = await probe.send('GET', next.replace(/^\/v2\//, '').replace(/^https?:\/\/[^/]+\/v2\//, ''), scopes);
  const seen = [...page, ...(rest.status === 200 ? parseTagPage(rest.body) : [])];
  const last = page[page.length - 1] ?? '';
  const after = await probe.send('GET', `${repository}/tags/list?n=2&last=${encodeURIComponent(last)}`, scopes);
  const afterTags = after.status === 200 ? parseTagPage(after.body) : [];
  if (afterTags.includes(last) || (afterTags.length > 0 && afterTags.some((t) => page.includes(t)))) {
    return warn(
      name,
      `${notes.join(', ')}; last=${last} repeats tags before it`,
      'the registry ignores `last`: tf-oci-registry follows Link headers only, so this is harmless for it',
    );
  }
  notes.push(`last=${last} continues after it`);
  const missing = tags.filter((t) => !seen.includes(t) && !afterTags.includes(t));
  if (missing.length > 0 && seen.length < tags.length) {
    return warn(
      name,
      `${notes.join(', ')}; following the Link header missed ${missing.join(', ')}`,
      'the next page did not continue the list; report it to the registry vendor',
    );
  }
  return ok(name, notes.join(', '));
}

function parseTagPage(body: Buffer): string[] {
  try {
    const tags = (JSON.parse(body.toString('utf8')) as { tags?: unknown }).tags;
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/** The referrers API (OCI distribution-spec 1.1) for a manifest that has a referrer pushed. */
export async function checkReferrersApi(probe: RegistryProbe, repository: string, subject: Digest, referrer: Digest): Promise<CheckResult> {
  const name = 'referrers';
  let res: ProbeResponse;
  try {
    res = await probe.send('GET', `${repository}/referrers/${subject}`, [pull(repository)], {
      accept: 'application/vnd.oci.image.index.v1+json',
    });
  } catch (err) {
    return ok(
      name,
      `manifests with a subject are kept; the referrers API did not answer (${describeError(err)}); not used by tf-oci-registry`,
    );
  }
  if (res.status === 404 || res.status === 405) {
    return ok(
      name,
      `manifests with a subject are kept; no referrers API (HTTP ${res.status}, registries before OCI 1.1); not used by tf-oci-registry`,
    );
  }
  const listed = res.status === 200 && res.body.toString('utf8').includes(referrer);
  return listed
    ? ok(name, 'manifests with a subject are kept and the referrers API lists them')
    : ok(
        name,
        `manifests with a subject are kept; the referrers API answered HTTP ${res.status} without the referrer; not used by tf-oci-registry`,
      );
}

/** DELETE /v2/<name>/manifests/<tag>: removing one tag and keeping the manifest. */
export async function checkTagDelete(probe: RegistryProbe, repository: string, tag: string): Promise<CheckResult> {
  const name = 'tag-delete';
  const res = await probe.send('DELETE', `${repository}/manifests/${tag}`, [`repository:${repository}:delete`]);
  if (res.status === 202 || res.status === 200 || res.status === 204)
    return ok(name, "a tag can be deleted alone (tf-oci-registry deletes a version's or record's tag before its manifest)");
  return ok(
    name,
    `deleting a tag alone is not supported (HTTP ${res.status}); tf-oci-registry deletes manifests by digest, which removes their tags`,
  );
}
