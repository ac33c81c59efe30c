// What the mirror population use cases need: the read cache (what is stored), download tickets, the
// store scope, the configured upstreams, and the identity the mirror writes with.
import type { Caller } from '../core/caller.js';
import type { TicketDeps } from '../core/download-tickets.js';
import type { KeyedLock } from '../core/keyed-lock.js';
import type { StoreScope } from '../core/scope.js';
import type { ReadContext } from '../read-cache/read-context.js';
import type { ProviderSource } from '../upstream/types.js';

/** One `[[mirror.upstream]]`: the provider hostname it serves and how to read it. */
export interface Upstream {
  hostname: string;
  source: ProviderSource;
  /** Pinned signing keys (armored); empty = the keys the upstream returns with each release. */
  trustedKeys: readonly string[];
}

export interface MirrorDeps extends ReadContext, TicketDeps, StoreScope {
  /** Directory for packages while they are fetched and checked. */
  tmpDir: string;
  /**
   * Age (ms) past which a `mirror-*` temp file no fetch of this server is writing belongs to a killed
   * server: swept at start (docs/fault-tolerance.md#temp-files). Default 300 000 (`publish.upload_lease`).
   */
  staleTempMs?: number;
  /**
   * Names of the `mirror-*` temp files the fetches of this process are using, whatever their age: one set
   * shared by every mirror of the process (the server's and each `[[mirror.service]]`'s, which share the
   * temp dir), so that no mirror's sweep takes a file another mirror is still fetching. Default: its own.
   */
  tempInUse?: Set<string>;
  /** Pull-through upstreams by normalized provider hostname. */
  upstreams: ReadonlyMap<string, Upstream>;
  /** How long an upstream version listing is reused, ms. */
  upstreamTtlMs: number;
  /**
   * Who the mirror writes as: the storage credential, or in delegate mode the configured mirror
   * credential (docs/mirror.md). Reads of what is stored are made with the same identity.
   */
  writer: Caller;
  /** In-process serialization of writes to one version (shared with the publishing API). */
  locks: KeyedLock;
  now: () => number;
  /** Told each platform import's outcome and a short reason (the metrics, docs/operations.md#metrics). */
  onImportOutcome?: (outcome: 'imported' | 'skipped' | 'failed', reason: string) => void;
}
