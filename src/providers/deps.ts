// What the provider read use cases need: the read cache, download tickets, the store scope, a temp dir.
import type { TicketDeps } from '../core/download-tickets.js';
import type { StoreScope } from '../core/scope.js';
import type { ReadContext } from '../read-cache/read-context.js';

export interface ProviderDeps extends ReadContext, TicketDeps, StoreScope {
  /** Directory for temporary files (h1 computations over zips pushed without one). */
  tmpDir: string;
}
