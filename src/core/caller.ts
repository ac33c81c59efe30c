// Who is asking (Caller), and the store call options made from it. Every use case receives its caller
// explicitly; the HTTP pipeline (src/http/pipeline/) builds it from the access decision.
import type { Credential } from '../oci/store.js';

/** Who is asking, and how the store must be called on their behalf. */
export interface Caller {
  /**
   * Identity the caches are partitioned by: "service" when the store's own credentials are used,
   * otherwise a hash of the caller's credential. Never the credential itself.
   */
  principal: string;
  credential?: Credential;
  /** Who, for usage reports and audit, when the principal does not say (service mode: "token:<name>"). */
  label?: string;
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
