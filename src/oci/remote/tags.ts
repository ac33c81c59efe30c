// Tag listing of the registry store: GET /v2/<name>/tags/list?n=1000, following RFC 8288
// `Link: <…>; rel="next"` pages (GHCR, ECR, Harbor paginate; Distribution 2.8 returns everything at
// once). A full page of n tags without a Link may have more after it (spec: the registry "MAY" send a
// Link): the next page is asked with `last=<last tag>` (crane's registry pages that way), and a page
// that does not move past `last` ends the listing (docs/registries.md). Each page is capped at 4 MiB;
// next links must stay on the registry's origin; a page limit and a repeated-URL check stop loops.
// Reference: https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-tags
import { OciError } from '../errors.js';
import type { CallOptions } from '../store.js';
import { validateRepository } from '../store-support.js';
import { callCredential, failure, v2Url, withSignal, type RegistryContext } from './context.js';
import { sendFollowingRedirects } from './redirects.js';
import { readCapped } from './response.js';
import { ACTION_PULL, repositoryScope } from './scope.js';

/** Tag pages are read up to this size each. */
export const MAX_TAGS_PAGE_BYTES = 4 * 1024 * 1024;
/** At most this many pages are followed. */
export const MAX_TAG_PAGES = 1000;
const PAGE_SIZE = 1000;

/** The target of the `rel="next"` link of a Link header (RFC 8288), if any. */
export function parseNextLink(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = typeof value === 'string' ? value : value.join(', ');
  // Each link-value is "<target>" followed by its parameters, which run until the next "<".
  for (const m of joined.matchAll(/<([^>]*)>([^<]*)/g)) {
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return m[1];
  }
  return undefined;
}

function parseTags(bytes: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new OciError('PROTOCOL', 'tag list is not JSON');
  }
  const tags = (parsed as { tags?: unknown } | null)?.tags;
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === 'string')) {
    throw new OciError('PROTOCOL', 'tag list has no string array "tags"');
  }
  return tags;
}

/** Every tag of a repository, in the order the registry returned them. */
export async function listTags(ctx: RegistryContext, repository: string, opts?: CallOptions): Promise<string[]> {
  validateRepository(repository);
  const credential = callCredential(ctx, opts);
  const seen = new Set<string>();
  const tags: string[] = [];
  const listed = new Set<string>();
  let url: URL | undefined = v2Url(ctx, `${repository}/tags/list?n=${PAGE_SIZE}`);
  for (let page = 0; url !== undefined; page++) {
    if (page >= MAX_TAG_PAGES || seen.has(url.href)) {
      throw new OciError('PROTOCOL', `tag list of ${repository}: pagination does not end (page ${page + 1})`);
    }
    seen.add(url.href);
    const res = await sendFollowingRedirects(
      ctx.auth,
      ctx.transport,
      {
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
        scopes: [repositoryScope(repository, ACTION_PULL)],
        credential,
        ...withSignal(opts),
      },
      { crossOrigin: 'return' },
    );
    if (res.status !== 200) throw await failure(res, credential, `list tags of ${repository}`);
    const pageTags = parseTags(await readCapped(res, MAX_TAGS_PAGE_BYTES, 'tag list', opts?.signal));
    const next = parseNextLink(res.headers['link']);
    const last = url.searchParams.get('last');
    // Asked with `last`, only tags after it are new (a registry that ignores `last` repeats page one);
    // a tag already listed is never listed twice.
    const fresh = pageTags.filter((t) => (next !== undefined || last === null || t > last) && !listed.has(t));
    for (const t of fresh) listed.add(t);
    tags.push(...fresh);
    if (next === undefined) {
      // Exactly n new tags and no Link: there may be more (spec 1.1); anything else is the end.
      const lastTag = fresh[fresh.length - 1];
      if (pageTags.length !== PAGE_SIZE || fresh.length !== pageTags.length || lastTag === undefined) break;
      url = v2Url(ctx, `${repository}/tags/list?n=${PAGE_SIZE}&last=${encodeURIComponent(lastTag)}`);
      continue;
    }
    url = new URL(next, ctx.base);
    if (url.origin !== ctx.base.origin) {
      throw new OciError('PROTOCOL', `tag list of ${repository}: next page on another origin (${url.origin})`);
    }
  }
  return tags;
}
