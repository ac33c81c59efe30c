// Outbound HTTP proxies from the standard environment variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, or
// their lower-case forms, which win, as in curl and undici), for every client this product opens: the
// pull-through upstreams and `mirror` imports, the OCI registry store, `check`, and the `publish` command.
// One decision, `proxyRouter`, serves both the undici dispatcher (createDispatcher: per request, a direct
// Agent or the ProxyAgent of the route) and the registry store's own download client
// (remote/socket-client.ts), which connects directly and so is used only for origins no proxy applies to.
// NO_PROXY: entries separated by commas or spaces; `*` (nothing is proxied); a host name, which also covers
// its subdomains (a leading `.` or `*.` is ignored); an IP address; a CIDR range (`10.0.0.0/8`,
// `fd00::/8`), which covers the IP addresses written in a URL (host names are not resolved for it, as in
// curl and Go's net/http); an optional `:port`. docs/operations.md#outbound-proxy.
import { BlockList, isIP } from 'node:net';
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

/**
 * The proxy settings of an environment. Throws an Error naming the variable when a proxy is not a URL, or
 * when a NO_PROXY entry with a `/` is not a CIDR range.
 */
export function proxySettingsFromEnv(env: Record<string, string | undefined>): ProxySettings {
  const noProxy = first(env, ['no_proxy', 'NO_PROXY']);
  if (noProxy !== undefined) noProxyRules(noProxy[1], noProxy[0]);
  return {
    httpProxy: proxyUrl(first(env, ['http_proxy', 'HTTP_PROXY'])),
    httpsProxy: proxyUrl(first(env, ['https_proxy', 'HTTPS_PROXY'])),
    noProxy: noProxy?.[1] ?? '',
  };
}

/** True when any proxy is configured. */
export function hasProxy(settings: ProxySettings): boolean {
  return settings.httpProxy !== '' || settings.httpsProxy !== '';
}

interface NoProxyHost {
  hostname: string;
  /** 0: any port. */
  port: number;
}

/** NO_PROXY parsed: host names (and IP addresses) with their ports, and CIDR ranges. */
interface NoProxyRules {
  all: boolean;
  hosts: NoProxyHost[];
  /** The CIDR ranges (any port), or undefined when there is none. */
  ranges: BlockList | undefined;
}

/** An IP address without the brackets a URL writes around IPv6 ones, or undefined for a host name. */
function ipOf(host: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const v = isIP(bare);
  return v === 0 ? undefined : { address: bare, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** Throws an Error naming `variable` and the entry when an entry with a `/` is not a CIDR range. */
function noProxyRules(noProxy: string, variable = 'NO_PROXY'): NoProxyRules {
  const rules: NoProxyRules = { all: noProxy.trim() === '*', hosts: [], ranges: undefined };
  for (const entry of noProxy.split(/[,\s]/)) {
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    if (slash !== -1) {
      const ip = ipOf(entry.slice(0, slash));
      const bits = entry.slice(slash + 1);
      const max = ip?.family === 'ipv6' ? 128 : 32;
      if (ip === undefined || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
        throw new Error(`environment: ${variable} entry ${JSON.stringify(entry)} is not a CIDR range (write it as 10.0.0.0/8 or fd00::/8)`);
      }
      rules.ranges ??= new BlockList();
      rules.ranges.addSubnet(ip.address, Number(bits), ip.family);
      continue;
    }
    // host:port, [v6]:port; a bare IPv6 address has colons of its own and no port.
    const m = isIP(entry) === 6 ? null : /^(.+):(\d+)$/.exec(entry);
    const host = (m ? (m[1] as string) : entry).replace(/^\*?\./, '').toLowerCase();
    const ip = ipOf(host);
    // IP addresses compared in one spelling (::1, 0:0:0:0:0:0:0:1 and [::1] are one address).
    rules.hosts.push({ hostname: ip === undefined ? host : canonicalIp(ip.address, ip.family), port: m ? Number(m[2]) : 0 });
  }
  return rules;
}

/** One spelling of an IP address: IPv4 as written (URLs normalize it already), IPv6 as a URL writes it. */
function canonicalIp(address: string, family: 'ipv4' | 'ipv6'): string {
  return family === 'ipv4' ? address : new URL(`http://[${address}]/`).hostname;
}

/**
 * Where requests go under `settings`: the proxy URL for a request to `url`, or undefined (directly).
 * NO_PROXY is parsed once here, not per request (the registry store asks for every blob download);
 * createDispatcher routes every request of the undici clients with it too, so the two never disagree
 * (test/oci/proxy.test.ts sends requests through a real proxy and compares).
 */
export function proxyRouter(settings: ProxySettings): (url: URL) => string | undefined {
  const rules = noProxyRules(settings.noProxy);
  const empty = rules.hosts.length === 0 && rules.ranges === undefined && !rules.all;
  return (url) => {
    const proxy = url.protocol === 'https:' ? settings.httpsProxy || settings.httpProxy : settings.httpProxy;
    if (proxy === '' || empty) return proxy || undefined;
    if (rules.all) return undefined;
    // URL.hostname: lower-case, IPv6 in brackets and compressed, IPv4 in dotted decimal.
    const hostname = url.hostname;
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    for (const e of rules.hosts) {
      if (e.port !== 0 && e.port !== port) continue;
      if (hostname === e.hostname || hostname.endsWith(`.${e.hostname}`)) return undefined;
    }
    if (rules.ranges !== undefined) {
      const ip = ipOf(hostname);
      if (ip !== undefined && rules.ranges.check(ip.address, ip.family)) return undefined;
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
 * through the proxy `proxyRouter` gives for its origin: a plain Agent when no proxy is configured.
 */
export function createDispatcher(
  settings: ProxySettings,
  options: ConstructorParameters<typeof import('undici').Agent>[0] = {},
): Dispatcher {
  const lib = undici();
  if (!hasProxy(settings)) return new lib.Agent(options);
  const route = proxyRouter(settings);
  const direct = new lib.Agent(options);
  // One ProxyAgent per proxy URL (HTTP_PROXY and HTTPS_PROXY may name one proxy), made on first use.
  const proxies = new Map<string, Dispatcher>();
  const via = (proxy: string): Dispatcher => {
    let agent = proxies.get(proxy);
    if (agent === undefined) proxies.set(proxy, (agent = new lib.ProxyAgent({ ...options, uri: proxy })));
    return agent;
  };
  const all = () => [direct, ...proxies.values()];
  // undici's own EnvHttpProxyAgent decides the same way, but knows no CIDR ranges (docs/operations.md).
  class ProxyRoutes extends lib.Dispatcher {
    override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      const proxy = route(new URL(String(opts.origin)));
      return (proxy === undefined ? direct : via(proxy)).dispatch(opts, handler);
    }
    override close(): Promise<void>;
    override close(callback: () => void): void;
    override close(callback?: () => void): Promise<void> | void {
      const done = Promise.all(all().map((d) => d.close())).then(() => undefined);
      if (callback === undefined) return done;
      void done.then(callback, callback);
    }
    override destroy(): Promise<void>;
    override destroy(err: Error | null): Promise<void>;
    override destroy(callback: () => void): void;
    override destroy(err: Error | null, callback: () => void): void;
    override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
      const err = typeof a === 'function' ? null : (a ?? null);
      const callback = typeof a === 'function' ? a : b;
      const done = Promise.all(all().map((d) => d.destroy(err))).then(() => undefined);
      if (callback === undefined) return done;
      void done.then(callback, callback);
    }
  }
  return new ProxyRoutes();
}
