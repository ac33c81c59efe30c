// Builds the configured [[mirror.upstream]] entries into provider sources (src/upstream/), and the
// identity the mirror writes with: the storage credential, or in delegate mode mirror.username/password.
import type { Dispatcher } from 'undici';
import { createDispatcher, type ProxySettings } from '../oci/proxy.js';
import type { Caller } from '../core/caller.js';
import type { Config } from '../config/load.js';
import type { MirrorServiceConfig, MirrorUpstream } from '../config/config.js';
import type { Upstream } from '../mirror/deps.js';
import { createRegistrySource } from '../upstream/registry-source.js';

/**
 * One keep-alive pool for every upstream (TLS trust: the system store plus NODE_EXTRA_CA_CERTS), through
 * the configured outbound proxy (HTTPS_PROXY, NO_PROXY: src/oci/proxy.ts).
 */
export function createUpstreamDispatcher(proxy: ProxySettings): Dispatcher {
  return createDispatcher(proxy, { keepAliveTimeout: 30_000, connections: 16 });
}

/** The upstream pool, made by the first call: a server without upstreams never loads undici for it. */
export function lazyUpstreamDispatcher(proxy: ProxySettings): () => Dispatcher {
  let made: Dispatcher | undefined;
  return () => {
    made ??= createUpstreamDispatcher(proxy);
    return made;
  };
}

export function createUpstreams(
  config: Config,
  upstreams: readonly MirrorUpstream[],
  dispatcher: Dispatcher | (() => Dispatcher),
): Map<string, Upstream> {
  const out = new Map<string, Upstream>();
  for (const u of upstreams) {
    const source = createRegistrySource({
      dispatcher: typeof dispatcher === 'function' ? dispatcher() : dispatcher,
      timeoutMs: config.server.requestTimeout * 1000,
      userAgent: 'tf-oci-registry (mirror)',
      discoveryUrls: { [u.hostname]: u.url.href },
    });
    out.set(u.hostname, { hostname: u.hostname, source, trustedKeys: u.signingKeys });
  }
  return out;
}

/** Who a mirror service's pull-through writes as: its own credential in delegate mode, else its store's. */
export function serviceWriter(svc: MirrorServiceConfig): Caller {
  return svc.writer ? { principal: `mirror ${svc.name}`, credential: { ...svc.writer } } : { principal: 'service' };
}

/** Who mirrored providers are written (and read back) as. */
export function mirrorWriter(config: Config): Caller {
  if (config.auth.mode === 'delegate' && config.mirror.username !== undefined) {
    return { principal: 'mirror', credential: { username: config.mirror.username, password: config.mirror.password ?? '' } };
  }
  return { principal: 'service' };
}
