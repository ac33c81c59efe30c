// One /api/v1 route declared once: its OpenAPI route config (createRoute of @hono/zod-openapi) is
// registered for the document (openapi/document-routes.ts) AND drives the request checks here: path and
// query parameters and the JSON:API request document are parsed with the route's own zod schemas, and the
// handler gets the parsed values. The JSON:API plumbing (media type 415, size cap 413, JSON syntax 400)
// stays in routes/api/json-api.ts; schema failures become errors with a JSON pointer
// (openapi/validation-errors.ts). Binary bodies (releases, draft files, module archives) are left to the
// handler, which streams them.
import type { OpenAPIHono, RouteConfig, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../core/app-error.js';
import type { AppEnv } from '../env.js';
import { readDocument } from '../routes/api/json-api.js';
import { JSON_API } from './json-api-schemas.js';
import { bodyError, paramError, queryError, type MemberWording } from './validation-errors.js';

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
type ParamsOf<R> = R extends { request: { params: infer P } } ? P : undefined;
type QueryOf<R> = R extends { request: { query: infer Q } } ? Q : undefined;
type BodyOf<R> = R extends { request: { body: { content: { [JSON_API]: { schema: infer S } } } } } ? S : undefined;

export interface ApiInput<R extends RouteConfig> {
  params: Out<ParamsOf<R>>;
  query: Out<QueryOf<R>>;
  /** The parsed JSON:API request document (JSON bodies only). */
  body: Out<BodyOf<R>>;
}

export interface ApiRouteOptions extends MemberWording {
  /** PATCH: the document's data.id, when given, must equal this path parameter. */
  idParam?: string;
}

/** `/gpg-keys/{id}` (OpenAPI) -> `/gpg-keys/:id` (Hono). */
export const honoPath = (path: string): string => path.replace(/\{([^}]+)\}/g, ':$1');

function jsonSchemaOf(route: RouteConfig): z.ZodType | undefined {
  const content = route.request?.body?.content as Record<string, { schema?: unknown }> | undefined;
  return content?.[JSON_API]?.schema as z.ZodType | undefined;
}

/** Query parameters given once as strings; repeated ones as lists (which a string schema refuses). */
function singleValues(queries: Record<string, string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(queries).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]));
}

/** Registers `route` on `app` (document + handler) with schema-driven request checks. */
export function apiRoute<R extends RouteConfig>(
  app: OpenAPIHono<AppEnv>,
  route: R,
  options: ApiRouteOptions,
  handler: (c: Context<AppEnv>, input: ApiInput<R>) => Promise<Response>,
): void {
  app.openAPIRegistry.registerPath(route);
  const params = route.request?.params as z.ZodType | undefined;
  const query = route.request?.query as z.ZodType | undefined;
  const body = jsonSchemaOf(route);
  app.on(route.method.toUpperCase(), honoPath(route.path), async (c) => {
    const input = { params: undefined, query: undefined, body: undefined } as Record<string, unknown>;
    if (params) {
      const r = params.safeParse(c.req.param());
      if (!r.success) throw paramError(r.error);
      input.params = r.data;
    }
    if (query) {
      const r = query.safeParse(singleValues(c.req.queries()), { reportInput: true });
      if (!r.success) throw queryError(r.error);
      input.query = r.data;
    }
    if (body) {
      const r = body.safeParse(await readDocument(c), { reportInput: true });
      if (!r.success) throw bodyError(r.error, options);
      input.body = r.data;
      const sentId = (r.data as { data?: { id?: unknown } }).data?.id;
      const urlId = options.idParam ? c.req.param(options.idParam) : undefined;
      if (urlId !== undefined && sentId !== undefined && sentId !== urlId) {
        throw new AppError(
          'CONFLICT',
          `resource id ${JSON.stringify(String(sentId).slice(0, 200))} does not match the URL's ${JSON.stringify(urlId)}`,
          {
            source: { pointer: '/data/id' },
          },
        );
      }
    }
    return handler(c, input as unknown as ApiInput<R>);
  });
}
