// The permission table: which permission each HTTP action needs (method + route pattern), as
// docs/auth.md and docs/design/publishing-baseline.md ("Permissions") list them. ONE table drives the
// access decision of the request pipeline; the first matching rule wins, and a request no rule matches is DENIED (fail
// closed), so a route mounted later without a rule here is refused rather than left open.
//
// Patterns are slash-separated segments: a literal, `*` (exactly one non-empty segment) or a trailing
// `**` (zero or more segments). Matching is on the path the router sees (Hono's c.req.path), case
// sensitive, like the routes themselves. HEAD is checked as GET (Hono answers HEAD with GET routes).
import type { Permission } from './permissions.js';

/** `open`: no permission needed (the route authorizes itself, e.g. by a sealed ticket, or is public). */
export type Access = Permission | 'open';

export interface RouteRule {
  methods: readonly string[];
  pattern: string;
  access: Access;
  /** Why the rule is open (documentation; shown nowhere). */
  note?: string;
}

const READ = ['GET'] as const;

/**
 * The table. `mirrorBasePath` is the configured network mirror path ("/mirror/"); `servicePaths` the base
 * paths of the additional mirror services ([[mirror.service]], docs/mirror.md), whose downloads live
 * under /download/m/<name>/ (open like every download). Upload URLs (PUT /api/v1/uploads/<sealed token>,
 * src/publishing/upload-tokens.ts) carry their own sealed authority, like download tickets, so they are open here.
 */
export function permissionTable(mirrorBasePath: string, servicePaths: readonly string[] = []): RouteRule[] {
  const mirror = `${mirrorBasePath.replace(/\/+$/, '')}/**`;
  const services = servicePaths.map(
    (base): RouteRule => ({ methods: READ, pattern: `${base.replace(/\/+$/, '')}/**`, access: 'providers:read' }),
  );
  return [
    // Public: discovery (terraform sends its token here too, but needs no permission), health.
    { methods: READ, pattern: '/.well-known/terraform.json', access: 'open' },
    { methods: READ, pattern: '/healthz', access: 'open' },
    { methods: READ, pattern: '/readyz', access: 'open' },
    // Prometheus scrapes carry no token; [metrics] listen keeps them on an internal address (docs/operations.md).
    { methods: READ, pattern: '/metrics', access: 'open', note: 'Prometheus scrape' },
    // Authorized by the sealed ticket in the URL (terraform sends no token to download URLs, §4.4).
    { methods: READ, pattern: '/download/**', access: 'open', note: 'sealed download ticket' },
    { methods: ['PUT'], pattern: '/api/v1/uploads/*', access: 'open', note: 'sealed single-use upload token' },
    // The API reference (src/http/openapi/document-routes.ts): the shape of the API, no data.
    { methods: READ, pattern: '/api/v1/openapi.json', access: 'open', note: 'API reference' },
    { methods: READ, pattern: '/api/v1/docs/**', access: 'open', note: 'API reference' },

    // Consumer protocols.
    { methods: READ, pattern: '/v1/providers/**', access: 'providers:read' },
    { methods: READ, pattern: mirror, access: 'providers:read' },
    ...services,
    { methods: READ, pattern: '/v1/modules/**', access: 'modules:read' },

    // Publishing API (docs/design/publishing-baseline.md#permissions).
    { methods: READ, pattern: '/api/v1/gpg-keys/**', access: 'gpg-keys:read' },
    { methods: ['POST'], pattern: '/api/v1/gpg-keys/**', access: 'gpg-keys:create' },
    { methods: ['PATCH'], pattern: '/api/v1/gpg-keys/**', access: 'gpg-keys:update' },
    { methods: ['DELETE'], pattern: '/api/v1/gpg-keys/**', access: 'gpg-keys:delete' },

    { methods: READ, pattern: '/api/v1/providers/**', access: 'providers:read' },
    { methods: ['POST'], pattern: '/api/v1/providers/**', access: 'providers:create' },
    { methods: ['PATCH'], pattern: '/api/v1/providers/**', access: 'providers:update' },
    { methods: ['DELETE'], pattern: '/api/v1/providers/**', access: 'providers:delete' },

    { methods: READ, pattern: '/api/v1/provider-versions/**', access: 'providers:read' },
    { methods: ['POST', 'PUT'], pattern: '/api/v1/provider-versions/**', access: 'provider-versions:create' },
    { methods: ['DELETE'], pattern: '/api/v1/provider-versions/**', access: 'provider-versions:delete' },

    { methods: READ, pattern: '/api/v1/modules/**', access: 'modules:read' },
    // The modules permission set has no "update" (docs/auth.md): editing a module's description (PATCH
    // /api/v1/modules/:id, src/http/routes/modules-api.ts) needs the same right as creating it.
    { methods: ['POST', 'PUT', 'PATCH'], pattern: '/api/v1/modules/**', access: 'modules:create' },
    { methods: ['DELETE'], pattern: '/api/v1/modules/**', access: 'modules:delete' },

    // Mirror population (docs/mirror.md): imports run with the server's own credential, so starting one
    // is a permission of its own.
    { methods: READ, pattern: '/api/v1/mirror-imports/**', access: 'mirror:read' },
    { methods: ['POST'], pattern: '/api/v1/mirror-imports/**', access: 'mirror:write' },

    // Usage reports (docs/operations.md#usage).
    { methods: READ, pattern: '/api/v1/usage/**', access: 'usage:read' },

    // Web pages (docs/web.md): each page and action asks this table itself, for the API request that
    // does the same, with the session's credential (src/http/routes/web-request.ts).
    { methods: READ, pattern: '/', access: 'open', note: 'redirects to /ui/providers' },
    { methods: ['GET', 'POST', 'PUT'], pattern: '/ui/**', access: 'open', note: 'web pages decide per page' },
  ];
}

/** True when `path` matches `pattern` (see the file comment for the pattern language). */
export function matchPattern(pattern: string, path: string): boolean {
  return matchSegments(pattern.split('/'), path.split('/'));
}

function matchSegments(want: readonly string[], got: readonly string[]): boolean {
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w === '**' && i === want.length - 1) return true;
    const g = got[i];
    if (g === undefined) return false;
    if (w === '*' ? g === '' : w !== g) return false;
  }
  return got.length === want.length;
}

function normalizeMethod(method: string): string {
  const m = method.toUpperCase();
  return m === 'HEAD' ? 'GET' : m;
}

/** The first rule covering this request, or undefined (deny). */
export function findRule(table: readonly RouteRule[], method: string, path: string): RouteRule | undefined {
  return compileRouteTable(table)(method, path);
}

/**
 * The table as a lookup function for the permission middleware (runs on every request). Each pattern is
 * compiled once into a RegExp with the exact semantics of matchPattern, and rules are grouped by method
 * and by their first path segment, so a request tests only the one or two rules that can match, in table
 * order, without splitting its path. Same answers as findRule.
 */
export function compileRouteTable(table: readonly RouteRule[]): (method: string, path: string) => RouteRule | undefined {
  const compiled = table.map((rule) => ({ rule, re: patternRegExp(rule.pattern), first: firstSegment(rule.pattern) }));
  // method -> first segment -> candidate rules in table order; WILDCARD: rules whose first segment is not literal.
  const byMethod = new Map<string, Map<string, Array<{ rule: RouteRule; re: RegExp }>>>();
  const WILDCARD = '\0';
  for (const c of compiled) {
    for (const m of c.rule.methods) {
      if (!byMethod.has(m)) byMethod.set(m, new Map());
    }
  }
  for (const [m, groups] of byMethod) {
    const rules = compiled.filter((c) => c.rule.methods.includes(m));
    const keys = new Set(rules.map((c) => c.first));
    keys.add(WILDCARD);
    for (const key of keys) {
      if (key === '*' || key === '**') continue;
      groups.set(
        key,
        rules.filter((c) => c.first === key || c.first === '*' || c.first === '**'),
      );
    }
  }
  return (method, path) => {
    const groups = byMethod.get(normalizeMethod(method));
    if (!groups) return undefined;
    const end = path.indexOf('/', 1);
    const candidates = groups.get(path.slice(1, end === -1 ? undefined : end)) ?? groups.get(WILDCARD)!;
    for (const c of candidates) if (c.re.test(path)) return c.rule;
    return undefined;
  };
}

/** The first segment of a pattern ("/v1/providers/**" -> "v1"). */
function firstSegment(pattern: string): string {
  return pattern.split('/')[1] ?? '';
}

/** matchPattern as a RegExp: literal segments, `*` one non-empty segment, trailing `**` zero or more. */
function patternRegExp(pattern: string): RegExp {
  const want = pattern.split('/');
  let re = '';
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w === '**' && i === want.length - 1) {
      // Zero segments ("/a" for "/a/**") or any rest ("/a/", "/a/x/y").
      re = `${re.slice(0, -1)}(?:/.*)?`;
      return new RegExp(`^${re}$`, 's');
    }
    re += (w === '*' ? '[^/]+' : escapeRegExp(w)) + (i < want.length - 1 ? '/' : '');
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
