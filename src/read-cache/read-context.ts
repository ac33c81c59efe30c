// What the read cache engine works with: the storage port, the caches and memo tables (read-caches.ts),
// and a logger. Features extend it with what they need beyond reading (src/*/deps.ts).
import type { Logger } from 'pino';
import type { OciStore } from '../oci/store.js';
import type { ReadCaches } from './read-caches.js';

export interface ReadContext extends ReadCaches {
  store: OciStore;
  logger: Logger;
}
