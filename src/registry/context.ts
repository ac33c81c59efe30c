// What every use case needs: the storage port, the caches and the download-token sealer (RegistryDeps),
// and who is asking (Caller). Built once in main (or in a test) and passed explicitly; no globals.
import type { Logger } from 'pino';
import type { Credential, OciStore } from '../oci/store.js';
import type { SealedTokens } from '../signing/sealed-token.js';
import type { ReadCaches } from './read-caches.js';

/** The caches and memo tables (content, tags, tagDigests, …) come from createReadCaches (read-caches.ts). */
export interface RegistryDeps extends ReadCaches {
  store: OciStore;
  /** Repository name prefix (may be empty). */
  prefix: string;
  /** Normalized hostname (with non-default port) that providers.v1 and modules.v1 serve. */
  publicHostname: string;
  tokens: SealedTokens;
  /** Lifetime of download tickets, seconds. */
  downloadTtl: number;
  /** "redirect": hand out the registry's object-storage redirects for blobs (auth, issue 5). Default "proxy". */
  downloadMode?: 'proxy' | 'redirect';
  /** Directory for temporary files (hash computations over zips). */
  tmpDir: string;
  logger: Logger;
}

/** Who is asking, and how the store must be called on their behalf. */
export interface Caller {
  /**
   * Identity the caches are partitioned by: "service" when the store's own credentials are used,
   * otherwise a hash of the caller's credential. Never the credential itself.
   */
  principal: string;
  credential?: Credential;
  /**
   * Cancels upstream calls when the client goes away. May be a getter that creates the signal on first
   * read (src/http/request-context.ts): only read it when an upstream call is actually made (callOpts).
   */
  readonly signal?: AbortSignal;
}

/** The store call options for a caller. */
export function callOpts(caller: Caller): { signal?: AbortSignal; credential?: Credential } {
  const signal = caller.signal;
  return {
    ...(signal ? { signal } : {}),
    ...(caller.credential ? { credential: caller.credential } : {}),
  };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
