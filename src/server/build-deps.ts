// Builds the server's dependencies from a Config: logger, store, caches, token sealer, services.
// The only place concrete implementations are chosen; everything below receives them injected.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Agent } from 'undici';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/load.js';
import { createLayoutStore } from '../oci/layout-store.js';
import { createRegistryStore } from '../oci/remote/registry-store.js';
import type { OciStore } from '../oci/store.js';
import { normalizeHostname } from '../layout/names.js';
import { ContentCache, SingleFlight, TtlCache } from '../registry/lru-cache.js';
import type { RegistryDeps } from '../registry/context.js';
import { createServices, type Services } from '../registry/services.js';
import { createSealedTokens } from '../signing/sealed-token.js';
import type { Descriptor } from '../oci/types.js';

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['*.authorization', '*.Authorization', '*.password', '*.token', '*.credential', 'headers.authorization'], censor: '[redacted]' },
    },
    destination as pino.DestinationStream | undefined,
  );
}

export function createStore(config: Config, logger: Logger): OciStore {
  if (config.storage.kind === 'layout') return createLayoutStore({ path: config.storage.path });
  const credential =
    config.storage.username !== undefined || config.storage.password !== undefined
      ? { username: config.storage.username ?? '', password: config.storage.password ?? '' }
      : undefined;
  return createRegistryStore({
    url: config.storage.url!,
    plainHttp: config.storage.plainHttp,
    ...(credential ? { credential } : {}),
    dispatcher: new Agent({ keepAliveTimeout: 30_000, connections: 64 }),
    timeoutMs: config.server.requestTimeout * 1000,
    userAgent: 'tf-oci-registry',
    logger,
  });
}

export interface ServerDeps {
  registry: RegistryDeps;
  services: Services;
}

export function createServerDeps(config: Config, logger: Logger, store: OciStore): ServerDeps {
  const ttlMs = config.cache.tagsTtl * 1000;
  const registry: RegistryDeps = {
    store,
    prefix: config.storage.prefix,
    publicHostname: normalizeHostname(config.server.publicUrl.host),
    content: new ContentCache(config.cache.maxBytes),
    tags: new TtlCache<string[]>(ttlMs, 10_000),
    // Version tags are not moved by this server; a tag's index is re-resolved after 30 tag TTLs.
    tagDigests: new TtlCache<Descriptor>(ttlMs * 30, 200_000),
    flight: new SingleFlight(),
    tokens: createSealedTokens(config.server.secrets),
    downloadTtl: config.server.downloadUrlTtl,
    tmpDir: join(tmpdir(), 'tf-oci-registry'),
    logger,
  };
  return { registry, services: createServices(registry) };
}
