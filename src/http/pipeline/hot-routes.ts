// Hot read routes: the warm metadata GETs that every `terraform init` / `tofu init` makes (providers.v1
// versions and download, mirror index.json and <version>.json). Each is defined ONCE, free of any
// framework, as a path pattern and an answer (the JSON text for the path's parameters and the caller).
// mountHotRoutes registers them on Hono (app.request in tests, and every request the Node front passes
// on); node-front.ts serves them straight from the Node request listener. Same answers either way, and
// assertPipelineShape checks at start-up that the front can never answer a path Hono would route elsewhere.
import type { Context, Hono } from 'hono';
import type { Caller } from '../../core/caller.js';
import type { AppEnv } from '../env.js';
import { jsonText } from '../json.js';

export type HotParams = Readonly<Record<string, string>>;

export interface HotRoute {
  /** Literal segments and `:name` segments (exactly one non-empty segment each), as in Hono. */
  pattern: string;
  /**
   * The JSON body (UTF-8 bytes) of the 200 answer, or an AppError. Synchronous when the use case answers
   * from its memo tables (a warm request then runs without a promise), a promise otherwise.
   */
  answer(params: HotParams, caller: Caller): Buffer | Promise<Buffer>;
}

/** `render(v)`: now when `v` is a value (a warm use case), later when it is a promise. */
export function render<T>(v: T | Promise<T>, body: (t: T) => Buffer): Buffer | Promise<Buffer> {
  return v instanceof Promise ? v.then(body) : body(v);
}

/** Registers each route as a GET on `app` (Hono answers HEAD with it too). */
export function mountHotRoutes(app: Hono<AppEnv>, routes: readonly HotRoute[]): void {
  for (const route of routes) {
    const handler = async function hotRoute(c: Context<AppEnv>) {
      return jsonText(c, await route.answer(c.req.param() as HotParams, c.get('caller')));
    };
    app.get(route.pattern, handler);
  }
}

/** A route as Hono lists it (app.routes): method, full path, handler. */
export interface MountedRoute {
  method: string;
  path: string;
  handler: unknown;
}

/**
 * The start-up check that keeps the Node front structurally identical to Hono (throws when not):
 *  - the only middleware of the application is the pipeline's (`pipeline`): any other cross-cutting
 *    concern must be a pipeline observer, so that hot requests get it too;
 *  - every hot route is mounted on Hono, and no other GET route that could match one of its paths is
 *    registered before it (Hono answers with the first match, and so must the front).
 */
export function assertPipelineShape(routes: readonly MountedRoute[], hot: readonly HotRoute[], pipeline: unknown): void {
  for (const r of routes) {
    if (r.method === 'ALL' && r.handler !== pipeline) {
      throw new Error(
        `the application mounts a middleware on ${r.path} outside the request pipeline (src/http/pipeline/pipeline.ts): register an observer instead`,
      );
    }
  }
  for (const h of hot) {
    const mounts = routes.filter((r) => r.method === 'GET' && r.path === h.pattern);
    if (mounts.length !== 1)
      throw new Error(`hot route ${h.pattern} is ${mounts.length === 0 ? 'not mounted' : 'mounted twice'} on the application`);
    const at = routes.indexOf(mounts[0]!);
    const shadow = routes.slice(0, at).find((r) => (r.method === 'GET' || r.method === 'HEAD') && patternsOverlap(r.path, h.pattern));
    if (shadow) throw new Error(`route GET ${shadow.path} is registered before hot route ${h.pattern} and can match its paths`);
  }
}

/** True when some path matches both patterns (literal segments, `:param` and `*` segments). */
export function patternsOverlap(a: string, b: string): boolean {
  const sa = a.split('/');
  const sb = b.split('/');
  const wildcard = (s: string) => s === '*' || s.startsWith(':');
  if (sa.at(-1) === '*' || sb.at(-1) === '*') {
    const n = Math.min(sa.length, sb.length) - 1;
    for (let i = 0; i < n; i++) if (!wildcard(sa[i]!) && !wildcard(sb[i]!) && sa[i] !== sb[i]) return false;
    return true;
  }
  if (sa.length !== sb.length) return false;
  return sa.every((s, i) => wildcard(s) || wildcard(sb[i]!) || s === sb[i]);
}

/** One route's compiled pattern: per segment, the literal it must equal, or (null) the parameter it fills. */
interface Compiled {
  route: HotRoute;
  literals: ReadonlyArray<string | null>;
  params: ReadonlyArray<string | null>;
}

export interface HotMatch {
  route: HotRoute;
  params: HotParams;
}

/**
 * The routes as one matcher over a raw path (already free of its query and of percent escapes): first
 * match in order, or undefined. Matches exactly what Hono's router matches for these patterns (strict:
 * no trailing slash, no empty segment), which src/http/hot-lane.test.ts checks path by path.
 */
export function compileHotRoutes(routes: readonly HotRoute[]): (path: string) => HotMatch | undefined {
  const bySegmentCount = new Map<number, Compiled[]>();
  for (const route of routes) {
    const parts = route.pattern.split('/');
    const compiled: Compiled = {
      route,
      literals: parts.map((p) => (p.startsWith(':') ? null : p)),
      params: parts.map((p) => (p.startsWith(':') ? p.slice(1) : null)),
    };
    const list = bySegmentCount.get(parts.length) ?? [];
    list.push(compiled);
    bySegmentCount.set(parts.length, list);
  }
  // Matches of recent paths (the same few documents are asked for again and again): one Map lookup
  // instead of a split and a walk over the patterns. Bounded: emptied when full.
  const recent = new Map<string, HotMatch>();
  return (path) => {
    const known = recent.get(path);
    if (known !== undefined) return known;
    const found = matchPath(bySegmentCount, path);
    if (found !== undefined) {
      if (recent.size >= RECENT_PATHS) recent.clear();
      recent.set(path, found);
    }
    return found;
  };
}

/** Paths whose match compileHotRoutes remembers. */
const RECENT_PATHS = 1024;

function matchPath(bySegmentCount: ReadonlyMap<number, Compiled[]>, path: string): HotMatch | undefined {
  const parts = path.split('/');
  const candidates = bySegmentCount.get(parts.length);
  if (candidates === undefined) return undefined;
  next: for (const c of candidates) {
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const literal = c.literals[i];
      const got = parts[i]!;
      if (literal !== null) {
        if (literal !== got) continue next;
      } else {
        if (got === '') continue next;
        params[c.params[i]!] = got;
      }
    }
    // Frozen: one match (and its params) serves every later request of the same path.
    return Object.freeze({ route: c.route, params: Object.freeze(params) });
  }
  return undefined;
}
