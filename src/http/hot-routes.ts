// Hot read routes: the warm metadata GETs that every `terraform init` / `tofu init` makes (providers.v1
// versions and download, mirror index.json and <version>.json). Each is defined ONCE, free of any
// framework, as a path pattern and an answer (the JSON text for the path's parameters and the caller).
// mountHotRoutes registers them on Hono (app.request in tests, and every request the hot lane passes
// on); src/http/hot-lane.ts serves them straight from the Node request listener. Same answers either way.
import type { Hono } from 'hono';
import type { Caller } from '../registry/context.js';
import type { AppEnv } from './env.js';
import { jsonText } from './json.js';

export type HotParams = Readonly<Record<string, string>>;

export interface HotRoute {
  /** Literal segments and `:name` segments (exactly one non-empty segment each), as in Hono. */
  pattern: string;
  /**
   * The JSON text of the 200 answer, or an AppError. Synchronous when the use case answers from its memo
   * tables (a warm request then runs without a promise), a promise otherwise.
   */
  answer(params: HotParams, caller: Caller): string | Promise<string>;
}

/** `render(v)`: now when `v` is a value (a warm use case), later when it is a promise. */
export function render<T>(v: T | Promise<T>, text: (t: T) => string): string | Promise<string> {
  return v instanceof Promise ? v.then(text) : text(v);
}

/** Registers each route as a GET on `app` (Hono answers HEAD with it too). */
export function mountHotRoutes(app: Hono<AppEnv>, routes: readonly HotRoute[]): void {
  for (const route of routes) {
    app.get(route.pattern, async (c) => jsonText(c, await route.answer(c.req.param() as HotParams, c.get('caller'))));
  }
}

/** One route's compiled pattern: the literal each segment must equal, or the parameter it fills. */
interface Compiled {
  route: HotRoute;
  segments: ReadonlyArray<{ literal: string } | { param: string }>;
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
      segments: parts.map((p) => (p.startsWith(':') ? { param: p.slice(1) } : { literal: p })),
    };
    const list = bySegmentCount.get(parts.length) ?? [];
    list.push(compiled);
    bySegmentCount.set(parts.length, list);
  }
  return (path) => {
    const parts = path.split('/');
    const candidates = bySegmentCount.get(parts.length);
    if (candidates === undefined) return undefined;
    next: for (const c of candidates) {
      const params: Record<string, string> = {};
      for (let i = 0; i < parts.length; i++) {
        const want = c.segments[i]!;
        const got = parts[i]!;
        if ('literal' in want) {
          if (want.literal !== got) continue next;
        } else {
          if (got === '') continue next;
          params[want.param] = got;
        }
      }
      return { route: c.route, params };
    }
    return undefined;
  };
}
