// Seeded random HTTP requests for the fuzz run (test/fuzz/http-fuzz.test.ts): a method, a path made from
// a route template whose segments are filled with valid values or mutated (encoded "..", "/", ":", NUL,
// overlong, non-Latin-1, percent garbage), random headers, and a body (none, JSON:API-shaped with wrong
// types, random bytes, oversized). Deterministic for one seed, so a failure replays with FUZZ_SEED.

/** mulberry32: a tiny seeded PRNG (public domain), enough for test input. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface Route {
  method: string;
  path: string;
}

/** Valid values the server knows (filled in by the test from what it published). */
export type Known = Record<string, string[]>;

const MUTATIONS = [
  '..',
  '%2e%2e',
  '%2E%2E%2F',
  '..%2f..%2fetc%2fpasswd',
  '%2F',
  'a%2Fb',
  '%3A',
  'host%3A8443',
  '%00',
  '%00.zip',
  '%E2%80%AE.zip',
  '%C3%A9',
  '%',
  '%zz',
  '%ff%fe',
  '+',
  '1.0.0+build',
  '1.0.0_build',
  'v1.0.0',
  ' ',
  '%20',
  '%0d%0aSet-Cookie:%20x=1',
  '~',
  'CON',
  '.',
  '-',
  '_',
  '0',
  '-1',
  '99999999999999999999',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '%2e',
  'a'.repeat(300),
  'x'.repeat(5000),
  '😀',
];

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const CONTENT_TYPES = [
  'application/vnd.api+json',
  'application/json',
  'application/octet-stream',
  'application/gzip',
  'application/zip',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json; ext="bad"',
  '',
  '\u00e9t\u00e9',
];

export function createGenerator(seed: number, routes: readonly Route[], known: Known) {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const chance = (p: number): boolean => rnd() < p;

  function segmentValue(name: string): string {
    const valid = known[name] ?? [];
    if (valid.length > 0 && chance(0.55)) {
      const v = pick(valid);
      return chance(0.15) ? mutateString(v) : v;
    }
    return pick(MUTATIONS);
  }

  function mutateString(s: string): string {
    switch (Math.floor(rnd() * 5)) {
      case 0:
        return s.slice(0, Math.floor(rnd() * s.length));
      case 1:
        return `${s}${pick(MUTATIONS)}`;
      case 2: {
        const i = Math.floor(rnd() * s.length);
        return `${s.slice(0, i)}${String.fromCharCode(33 + Math.floor(rnd() * 90))}${s.slice(i + 1)}`;
      }
      case 3:
        return s.toUpperCase();
      default:
        return encodeURIComponent(s);
    }
  }

  function path(route: Route): string {
    let p = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => segmentValue(name));
    if (chance(0.1)) p = p.replace(/\/[^/]*$/, `/${pick(MUTATIONS)}`);
    if (chance(0.05)) p = p.replace('/', '//');
    if (chance(0.05)) p = `${p}/`;
    if (chance(0.05)) p = `${p}/${pick(MUTATIONS)}`;
    if (chance(0.15))
      p = `${p}?${pick(['filter%5Bnamespace%5D=', 'page=-1', 'cascade=maybe', 'a=%zz', 'include=x', 'from=&to=', `x=${pick(MUTATIONS)}`])}`;
    return p;
  }

  function jsonValue(depth = 0): unknown {
    switch (Math.floor(rnd() * (depth > 2 ? 5 : 8))) {
      case 0:
        return null;
      case 1:
        return chance(0.5);
      case 2:
        return pick([0, -1, 1e308, 3.5, 2 ** 53 + 1]);
      case 3:
        return pick(MUTATIONS);
      case 4:
        return pick(Object.values(known).flat().concat(['acme', 'widget', '1.0.0']));
      case 5:
        return Array.from({ length: Math.floor(rnd() * 3) }, () => jsonValue(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: Math.floor(rnd() * 4) }, () => [
            pick([
              'type',
              'id',
              'attributes',
              'relationships',
              'data',
              'namespace',
              'name',
              'version',
              'description',
              'ascii-armor',
              'providers',
              'system',
              '__proto__',
            ]),
            jsonValue(depth + 1),
          ]),
        );
    }
  }

  function body(): Buffer | undefined {
    switch (Math.floor(rnd() * 7)) {
      case 0:
        return undefined;
      case 1:
        return Buffer.from('{}');
      case 2:
        return Buffer.from(JSON.stringify({ data: jsonValue(1) }));
      case 3:
        return Buffer.from(
          JSON.stringify({
            data: {
              type: pick(['providers', 'gpg-keys', 'modules', 'provider-versions', 'mirror-imports', 'x']),
              attributes: jsonValue(1),
              relationships: jsonValue(1),
            },
          }),
        );
      case 4:
        return Buffer.from(Array.from({ length: Math.floor(rnd() * 2048) }, () => Math.floor(rnd() * 256)));
      case 5:
        return Buffer.from('{"data": {"type": "providers", "attributes": {"namespace": "acme"'); // truncated JSON
      default:
        return chance(0.5) ? Buffer.from([0x1f, 0x8b, 0x08, 0x00]) : Buffer.alloc(1024 * 1024 + 1, 0x20); // gzip head, or over 1 MiB
    }
  }

  return function next(): FuzzRequest {
    const route = pick(routes);
    const method = chance(0.75) ? route.method : pick(METHODS);
    const headers: Record<string, string> = {};
    const type = pick(CONTENT_TYPES);
    if (type !== '') headers['content-type'] = type;
    if (chance(0.2))
      headers['authorization'] = pick(['Bearer x', 'Basic %%%', 'Basic dXNlcjpwYXNz', 'Negotiate', 'Bearer', `Bearer ${'a'.repeat(500)}`]);
    if (chance(0.1)) headers['range'] = pick(['bytes=0-0', 'bytes=-1', 'bytes=5-1', 'bytes=abc', 'bytes=0-0,2-3']);
    if (chance(0.1)) headers['accept'] = pick(['*/*', 'text/html', 'application/vnd.api+json', '']);
    if (chance(0.05)) headers['x-forwarded-for'] = pick(['1.2.3.4', 'garbage', '']);
    const b = method === 'GET' || method === 'HEAD' ? undefined : body();
    return { method, path: path(route), headers, ...(b ? { body: b } : {}) };
  };
}
