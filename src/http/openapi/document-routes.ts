// The API reference, generated from the route schemas (src/http/openapi/api-route.ts registers each route):
//   GET /api/v1/openapi.json        the OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)
//   GET /api/v1/docs                the same document as an HTML page, rendered on the server (no script,
//                                   no CDN; a strict Content-Security-Policy), styled by
//   GET /api/v1/docs/reference.css
// Public (src/auth/route-table.ts): the reference holds no data, only the shape of the API.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.js';
import { apiRoute } from './api-route.js';
import { REFERENCE_CSS, renderReference, type OpenApiDocument } from './reference-page.js';

/** Where the group is mounted: the document's paths are absolute. */
export const API_BASE = '/api/v1';

const TAG = 'Reference';
const docRoutes = {
  document: createRoute({
    method: 'get',
    path: '/openapi.json',
    tags: [TAG],
    summary: 'This OpenAPI 3.1 document',
    security: [],
    responses: {
      200: { description: 'the document', content: { 'application/json': { schema: z.object({ openapi: z.string() }).passthrough() } } },
    },
  }),
  page: createRoute({
    method: 'get',
    path: '/docs',
    tags: [TAG],
    summary: 'The API reference as HTML',
    security: [],
    responses: { 200: { description: 'the page', content: { 'text/html': { schema: z.string() } } } },
  }),
  css: createRoute({
    method: 'get',
    path: '/docs/reference.css',
    tags: [TAG],
    summary: 'The style sheet of the reference page',
    security: [],
    responses: { 200: { description: 'CSS', content: { 'text/css': { schema: z.string() } } } },
  }),
};

/** The page's policy: nothing but its own style sheet. */
export const REFERENCE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The OpenAPI 3.1 document of every route registered on `api` so far, paths under /api/v1. */
export function buildApiDocument(api: OpenAPIHono<AppEnv>, publicUrl: URL): OpenApiDocument {
  const doc = api.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'tf-oci-registry API',
      version: 'v1',
      description:
        'The publishing, module, mirror-import and usage API of tf-oci-registry (JSON:API 1.1 documents, media type application/vnd.api+json). ' +
        'Authenticate with `Authorization: Bearer <token>` (docs/auth.md). Errors are JSON:API error documents whose `source.pointer` names the request member at fault. ' +
        'Guide: docs/publishing.md.',
    },
    servers: [{ url: new URL('.', publicUrl).href.replace(/\/$/, '') }],
    security: [{ bearerAuth: [] }],
  }) as unknown as OpenApiDocument;
  const paths: OpenApiDocument['paths'] = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) paths[`${API_BASE}${path}`] = item;
  return {
    ...doc,
    paths,
    components: {
      ...doc.components,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'an API token (service mode) or the OCI registry credential (delegate mode), docs/auth.md',
        },
      },
    },
  };
}

/** Registers the reference routes on `api` (call last: the document covers the routes registered before). */
export function apiDocumentRoutes(api: OpenAPIHono<AppEnv>, publicUrl: URL): void {
  let cached: { json: string; html: string } | undefined;
  const rendered = () => {
    if (!cached) {
      const doc = buildApiDocument(api, publicUrl);
      cached = {
        json: JSON.stringify(doc, null, 2),
        html: renderReference(doc, `${new URL(publicUrl).pathname.replace(/\/$/, '')}${API_BASE}/docs/reference.css`),
      };
    }
    return cached;
  };
  const wording = { resource: 'reference' };
  apiRoute(api, docRoutes.document, wording, async (c) => {
    c.header('Content-Type', 'application/json');
    c.header('Cache-Control', 'no-cache');
    return c.body(rendered().json);
  });
  apiRoute(api, docRoutes.page, wording, async (c) => {
    c.header('Content-Type', 'text/html; charset=utf-8');
    c.header('Content-Security-Policy', REFERENCE_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'no-cache');
    return c.body(rendered().html);
  });
  apiRoute(api, docRoutes.css, wording, async (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'max-age=3600');
    return c.body(REFERENCE_CSS);
  });
}
