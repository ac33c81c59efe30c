// Raw requests to a registry for its self-test (`tf-oci-registry check`, src/store-check/): what the
// registry asks of an anonymous client (its WWW-Authenticate challenge), and single requests made with the
// store's credential through the same auth layer as the store (token flow or Basic), with nothing
// followed or interpreted: tag pages with `n`/`last`, the referrers API, tag deletes, blob redirects.
// Bodies are read up to 1 MiB. Reference: https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md
import { createDispatcher, NO_PROXY_SETTINGS, type ProxySettings } from '../proxy.js';
import type { Credential } from '../store.js';
import { createAuthClient } from './auth.js';
import { parseChallenges } from './challenge.js';
import { parseRegistryUrl } from './registry-store.js';
import { destroyBody, readCapped } from './response.js';
import { TokenCache } from './token-cache.js';
import { createTransport, header, type HttpHeaders } from './transport.js';

const MAX_PROBE_BYTES = 1024 * 1024;

export interface ProbeResponse {
  status: number;
  headers: HttpHeaders;
  /** The body (HEAD and redirects: empty), at most 1 MiB. */
  body: Buffer;
}

export interface AnonymousAnswer {
  /** Status of an anonymous GET /v2/. */
  status: number;
  /** The challenge scheme asked for ("bearer", "basic"), lower-case; undefined when none. */
  scheme?: string;
  /** The token realm of a Bearer challenge. */
  realm?: string;
}

export interface RegistryProbe {
  /** GET /v2/ without any credential. */
  anonymous(): Promise<AnonymousAnswer>;
  /**
   * One request to `/v2/<path>` with the store's credential (challenges answered once, as the store
   * does). `scopes` are token scopes, e.g. `repository:a/b:pull,push`. Redirects are returned as they are.
   */
  send(
    method: 'GET' | 'HEAD' | 'DELETE',
    path: string,
    scopes: readonly string[],
    headers?: Record<string, string>,
  ): Promise<ProbeResponse>;
  close(): Promise<void>;
}

export interface RegistryProbeOptions {
  url: string;
  plainHttp?: boolean;
  credential?: Credential;
  timeoutMs?: number;
  /** Outbound proxies (HTTPS_PROXY, NO_PROXY), as for the store. */
  proxy?: ProxySettings;
}

export function createRegistryProbe(opts: RegistryProbeOptions): RegistryProbe {
  const base = parseRegistryUrl(opts.url, opts.plainHttp);
  const dispatcher = createDispatcher(opts.proxy ?? NO_PROXY_SETTINGS, { keepAliveTimeout: 5_000, connections: 4 });
  const transport = createTransport({ dispatcher, timeoutMs: opts.timeoutMs ?? 30_000, retries: 1, userAgent: 'tf-oci-registry check' });
  const auth = createAuthClient({ transport, registry: base, tokenCache: new TokenCache() });
  const read = async (res: Awaited<ReturnType<typeof transport.send>>): Promise<Buffer> => {
    if (res.method === 'HEAD' || (res.status >= 300 && res.status < 400)) {
      destroyBody(res.body);
      return Buffer.alloc(0);
    }
    return readCapped(res, MAX_PROBE_BYTES, `${res.method} ${res.url.pathname}`);
  };
  return {
    async anonymous() {
      const res = await transport.send({ method: 'GET', url: new URL('/v2/', base) });
      await read(res).catch(() => undefined);
      const challenge = parseChallenges(res.headers['www-authenticate'])[0];
      const scheme = challenge?.scheme.toLowerCase();
      return {
        status: res.status,
        ...(scheme !== undefined ? { scheme } : {}),
        ...(challenge?.params['realm'] !== undefined ? { realm: challenge.params['realm'] } : {}),
      };
    },
    async send(method, path, scopes, headers) {
      const res = await auth.send({
        method,
        url: new URL(`/v2/${path}`, base),
        scopes,
        credential: opts.credential,
        ...(headers ? { headers } : {}),
      });
      const body = await read(res);
      return { status: res.status, headers: res.headers, body };
    },
    close: () => dispatcher.close(),
  };
}

/** The first value of a probe response header. */
export function probeHeader(res: ProbeResponse, name: string): string | undefined {
  return header(res.headers, name);
}
