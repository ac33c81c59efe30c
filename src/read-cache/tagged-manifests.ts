// Reads the manifest a version tag points at, for any artifact kind (provider index, module package):
// the tag is resolved through the shared tag cache (gated by the caller's own listing, see
// provider-reader.ts), the manifest is fetched once per principal at a time (single-flight), and its
// parse — or the reason it is not of this kind — is cached by digest, since manifests are immutable.
import type { LayoutError } from '../layout/errors.js';
import { isLayoutError } from '../layout/errors.js';
import { isOciError } from '../oci/errors.js';
import type { Descriptor } from '../oci/types.js';
import { callOpts, type Caller } from '../core/caller.js';
import type { ReadContext } from './read-context.js';

/** One artifact kind: its cache namespace and its parser (throws LayoutError for other kinds). */
export interface ManifestKind<T> {
  /** Content-cache key prefix, e.g. `provider-index`. */
  cacheKey: string;
  parse(bytes: Buffer, mediaType: string): T;
}

/** A parse, or why the manifest is not of the kind: both cached by digest. */
export type Parsed<T> = { value: T } | { invalid: LayoutError };

/** Hooks into the tag cache (provider-reader.ts owns it). */
export interface TagHooks {
  recordTag(deps: ReadContext, repository: string, tag: string, descriptor: Descriptor): void;
  forgetTag(deps: ReadContext, repository: string, tag: string): void;
}

/** The cached parse of the manifest with `digest`, if any (no upstream request). */
export function cachedParse<T>(deps: ReadContext, kind: ManifestKind<T>, digest: string): Parsed<T> | undefined {
  return deps.content.get<Parsed<T>>(`${kind.cacheKey}|${digest}`);
}

function unwrap<T>(descriptor: Descriptor, parsed: Parsed<T>): { descriptor: Descriptor; value: T } {
  if ('invalid' in parsed) throw parsed.invalid;
  return { descriptor, value: parsed.value };
}

/**
 * The manifest `tag` points at. `known` is what the tag cache says it points at (or undefined): used
 * when its parse is cached or its digest still resolves; otherwise the tag is resolved afresh once.
 */
export async function readTaggedManifest<T>(
  deps: ReadContext,
  hooks: TagHooks,
  kind: ManifestKind<T>,
  repository: string,
  tag: string,
  known: Descriptor | undefined,
  caller: Caller,
): Promise<{ descriptor: Descriptor; value: T }> {
  if (known) {
    const cached = cachedParse(deps, kind, known.digest);
    if (cached) return unwrap(known, cached);
    try {
      return await fetchParsed(deps, hooks, kind, repository, known.digest, caller);
    } catch (err) {
      // The tag may have moved and the old manifest been deleted: resolve the tag afresh once.
      if (!isOciError(err, 'NOT_FOUND')) throw err;
      hooks.forgetTag(deps, repository, tag);
    }
  }
  return fetchParsed(deps, hooks, kind, repository, tag, caller, tag);
}

/** GET a manifest by tag (then recorded as what `tag` points at) or by digest, per principal single-flight. */
async function fetchParsed<T>(
  deps: ReadContext,
  hooks: TagHooks,
  kind: ManifestKind<T>,
  repository: string,
  reference: string,
  caller: Caller,
  tag?: string,
): Promise<{ descriptor: Descriptor; value: T }> {
  const { descriptor, parsed } = await deps.flight.do(`${kind.cacheKey}|${repository}|${reference}|${caller.principal}`, async () => {
    const { descriptor, bytes } = await deps.store.fetchManifest(repository, reference, callOpts(caller));
    const ckey = `${kind.cacheKey}|${descriptor.digest}`;
    let parsed = deps.content.get<Parsed<T>>(ckey);
    if (!parsed) {
      try {
        parsed = { value: kind.parse(bytes, descriptor.mediaType) };
      } catch (err) {
        if (!isLayoutError(err)) throw err;
        parsed = { invalid: err };
      }
      deps.content.set(ckey, parsed, bytes.length * 2 + 256);
    }
    if (tag !== undefined) hooks.recordTag(deps, repository, tag, descriptor);
    return { descriptor, parsed };
  });
  return unwrap(descriptor, parsed);
}
