// Outbound HTTP proxies from the standard environment variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, or
// their lower-case forms, which win, as in curl and undici), for every client this product opens: the
// pull-through upstreams and `mirror` imports, the OCI registry store, `check`, and the `publish` command.
// The dispatcher is undici's EnvHttpProxyAgent given the settings explicitly (it never reads process.env
// itself); `proxyRouter` answers the same question for the registry store's own download client
// (remote/socket-client.ts), which connects directly and so is used only for origins no proxy applies to.
// NO_PROXY: entries separated by commas or spaces; `*` (nothing is proxied); a host name, which also covers
// its subdomains (a leading `.` or `*.` is ignored); an optional `:port`. docs/operations.md#outbound-proxy.
import type { Dispatcher } from 'undici';
import { undici } from './undici.js';

export interface ProxySettings {
  /** Proxy URL for http:// origins ('' = none). */
  httpProxy: string;
  /** Proxy URL for https:// origins ('' = HTTP_PROXY's). */
  httpsProxy: string;
  /** NO_PROXY as given ('' = every origin goes through the proxy, when there is one). */
  noProxy: string;
}

export const NO_PROXY_SETTINGS: ProxySettings = Object.freeze({ httpProxy: '', httpsProxy: '', noProxy: '' });

const first = (env: Record<string, string | undefined>, names: readonly string[]): [string, string] | undefined => {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return [name, value.trim()];
  }
  return undefined;
};

function proxyUrl(found: [string, string] | undefined): string {
  if (found === undefined) return '';
  const [name, value] = found;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`environment: ${name} is not a URL (write it as http://proxy.example.com:3128)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`environment: ${name} must be an http:// or https:// URL, not ${url.protocol}`);
  }
  return url.href;
}

/** The proxy settings of an environment. Throws an Error naming the variable when a proxy is not a URL. */
export function proxySettingsFromEnv(env: Record<string, string | undefined>): ProxySettings {
  return {
    httpProxy: proxyUrl(first(env, ['http_proxy', 'HTTP_PROXY'])),
    httpsProxy: proxyUrl(first(env, ['https_proxy', 'HTTPS_PROXY'])),
    noProxy: first(env, ['no_proxy', 'NO_PROXY'])?.[1] ?? '',
  };
}

/** True when any proxy is configured. */
export function hasProxy(settings: ProxySettings): boolean {
  return settings.httpProxy !== '' || settings.httpsProxy !== '';
}

interface NoProxyEntry {
  hostname: string;
  port: number;
}

function noProxyEntries(noProxy: string): NoProxyEntry[] {
  const out: NoProxyEntry[] = [];
  for (const entry of noProxy.split(/[,\s]/)) {
    if (entry === '') continue;
    const m = /^(.+):(\d+)$/.exec(entry);
    out.push({ hostname: (m ? (m[1] as string) : entry).replace(/^\*?\./, '').toLowerCase(), port: m ? Number(m[2]) : 0 });
  }
  return out;
}

/**
 * Where requests go under `settings`: the proxy URL for a request to `url`, or undefined (directly).
 * NO_PROXY is parsed once here, not per request (the registry store asks for every blob download). The same
 * rules as undici's EnvHttpProxyAgent, which createDispatcher uses, so the two never disagree
 * (test/oci/proxy.test.ts sends requests through a real proxy and compares).
 */
export function proxyRouter(settings: ProxySettings): (url: URL) => string | undefined {
  const entries = noProxyEntries(settings.noProxy);
  const none = settings.noProxy.trim() === '*';
  return (url) => {
    const proxy = url.protocol === 'https:' ? settings.httpsProxy || settings.httpProxy : settings.httpProxy;
    if (proxy === '' || entries.length === 0) return proxy || undefined;
    if (none) return undefined;
    // The host without its port, brackets of an IPv6 address kept (as undici compares it).
    const hostname = url.host.replace(/:\d*$/, '').toLowerCase();
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    for (const e of entries) {
      if (e.port !== 0 && e.port !== port) continue;
      if (hostname === e.hostname || hostname.endsWith(`.${e.hostname}`)) return undefined;
    }
    return proxy;
  };
}

/** proxyRouter's answer for one URL. */
export function proxyFor(settings: ProxySettings, url: URL): string | undefined {
  return proxyRouter(settings)(url);
}

/**
 * An undici dispatcher with `options` (connection limits, timeouts) that sends each request directly or
 * through the proxy the settings give for its origin: a plain Agent when no proxy is configured.
 */
export function createDispatcher(
  settings: ProxySettings,
  options: ConstructorParameters<typeof import('undici').Agent>[0] = {},
): Dispatcher {
  const lib = undici();
  if (!hasProxy(settings)) return new lib.Agent(options);
  // Explicit values: '' means none, so EnvHttpProxyAgent never falls back to process.env.
  return new lib.EnvHttpProxyAgent({
    ...options,
    httpProxy: settings.httpProxy,
    httpsProxy: settings.httpsProxy || settings.httpProxy,
    noProxy: settings.noProxy,
  });
}
