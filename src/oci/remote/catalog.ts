// Repository listing of the registry store: GET /v2/_catalog?n=1000 with RFC 8288 `Link` pages, like the
// tag list (tags.ts), with the registry-wide scope `registry:catalog:*`. Registries that forbid it (GHCR,
// Docker Hub, ECR without ListRepositories, Harbor for non-admins) answer 401/403/404: the caller (the
// web catalog, docs/web.md#catalog) then falls back to what the records say.
// Reference: https://distribution.github.io/distribution/spec/api/#catalog (the OCI distribution-spec
// leaves _catalog out; CNCF Distribution, Harbor, zot and Quay implement it).
import { OciError } from '../errors.js';
import type { CallOptions } from '../store.js';
import { callCredential, failure, v2Url, withSignal, type RegistryContext } from './context.js';
import { sendFollowingRedirects } from './redirects.js';
import { readCapped } from './response.js';
import { MAX_TAG_PAGES, MAX_TAGS_PAGE_BYTES, parseNextLink } from './tags.js';

const CATALOG_SCOPE = 'registry:catalog:*';

function parseRepositories(bytes: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new OciError('PROTOCOL', 'catalog is not JSON');
  }
  const list = (parsed as { repositories?: unknown } | null)?.repositories;
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list) || !list.every((t): t is string => typeof t === 'string')) {
    throw new OciError('PROTOCOL', 'catalog has no string array "repositories"');
  }
  return list;
}

/** Every repository name under `under` ("tf/providers"; "" for all), sorted. */
export async function listRepositories(ctx: RegistryContext, under: string, opts?: CallOptions): Promise<string[]> {
  const credential = callCredential(ctx, opts);
  const prefix = under.replace(/^\/+|\/+$/g, '');
  const seen = new Set<string>();
  const out: string[] = [];
  let url: URL | undefined = v2Url(ctx, '_catalog?n=1000');
  for (let page = 0; url !== undefined; page++) {
    if (page >= MAX_TAG_PAGES || seen.has(url.href)) throw new OciError('PROTOCOL', `catalog: pagination does not end (page ${page + 1})`);
    seen.add(url.href);
    const res = await sendFollowingRedirects(
      ctx.auth,
      ctx.transport,
      { method: 'GET', url, headers: { accept: 'application/json' }, scopes: [CATALOG_SCOPE], credential, ...withSignal(opts) },
      { crossOrigin: 'return' },
    );
    if (res.status !== 200) throw await failure(res, credential, 'list the catalog');
    for (const name of parseRepositories(await readCapped(res, MAX_TAGS_PAGE_BYTES, 'catalog', opts?.signal))) {
      if (prefix === '' || name.startsWith(`${prefix}/`)) out.push(name);
    }
    const next = parseNextLink(res.headers['link']);
    if (next === undefined) break;
    url = new URL(next, ctx.base);
    if (url.origin !== ctx.base.origin) throw new OciError('PROTOCOL', `catalog: next page on another origin (${url.origin})`);
  }
  return out.sort();
}
