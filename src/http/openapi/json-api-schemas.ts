// Building blocks of the /api/v1 schemas (JSON:API 1.1, https://jsonapi.org/format/1.1/): request and
// response documents, resource objects, the error document of src/http/error-handler.ts, list documents.
// Declared once with zod (@hono/zod-openapi's `z`, which carries OpenAPI metadata): the same schemas
// validate requests (openapi/api-route.ts) and become the OpenAPI 3.1 document (openapi/document-routes.ts).
import { z } from '@hono/zod-openapi';
import { JSON_API } from '../routes/api/json-api.js';

export { JSON_API, z };

/** ISO 8601 UTC time as the API writes it. */
export const timestamp = z.string().openapi({ format: 'date-time', example: '2026-01-31T12:00:00.000Z' });

/** Who did something (src/core/actor.ts): an API token name or a registry user name; null when unknown. */
export const principalName = z.string().nullable().openapi({ example: 'ci-release' });

/** Who published a version (see principalName); null for records written before this was kept. */
export const publishedBy = principalName.openapi({
  description: 'who published the version: the API token name (service mode) or the registry user name (delegate mode); null when unknown',
});

/** A link: an absolute URL under the server's public URL. */
export const link = z.string().openapi({ format: 'uri' });

/** `{"data": {"type": T, "id": …}}`: a to-one relationship linkage. */
export function linkage(type: string, idDescription: string, name = type.replace(/s$/, '')) {
  const hint = `relationship "${name}" is required: {"data":{"type":"${type}","id":"…"}}`;
  return z.strictObject(
    {
      data: z.strictObject(
        {
          type: z.literal(type, { error: `relationship "${name}" must have type "${type}"` }),
          id: z
            .string({ error: `relationship "${name}" needs an id` })
            .min(1, { error: `relationship "${name}" needs an id` })
            .openapi({ description: idDescription }),
        },
        { error: hint },
      ),
    },
    { error: hint },
  );
}

interface ResourceParts {
  attributes: z.ZodType;
  relationships?: z.ZodType;
  links: z.ZodType;
  meta?: z.ZodType;
}

/** A resource object of `type` (response side): attributes as declared, nothing undeclared. */
export function resourceObject(type: string, name: string, parts: ResourceParts) {
  return z
    .strictObject({
      type: z.literal(type),
      id: z.string(),
      attributes: parts.attributes,
      ...(parts.relationships ? { relationships: parts.relationships } : {}),
      ...(parts.meta ? { meta: parts.meta.optional() } : {}),
      links: parts.links,
    })
    .openapi(name);
}

/** Warnings about the resource (e.g. a key that expires soon). */
export const warningsMeta = z.strictObject({ warnings: z.array(z.string()) });

/** `{"data": resource}`, with optional top-level meta.warnings. */
export function singleDocument(resource: z.ZodType, name: string, withWarnings = false) {
  return z.strictObject({ data: resource, ...(withWarnings ? { meta: warningsMeta.optional() } : {}) }).openapi(name);
}

/** `{"data": [resource, …]}`. */
export function listDocument(resource: z.ZodType, name: string) {
  return z.strictObject({ data: z.array(resource) }).openapi(name);
}

/**
 * A request document `{"data": {"type": T, "id"?: …, "attributes": {…}, "relationships"?: {…}}}`. A wrong
 * `type` is a 409 (JSON:API "Creating Resources"); api-route.ts maps that issue.
 */
export function requestDocument<
  T extends string,
  A extends z.ZodType,
  R extends z.ZodType = z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>>,
>(type: T, name: string, attributes: A, relationships?: R) {
  return z
    .object({
      data: z.object({
        type: z.literal(type),
        id: z.string().optional(),
        // Absent attributes are checked member by member (the error names the missing attribute).
        attributes: attributes.prefault({} as never) as unknown as A,
        relationships: (relationships ?? z.record(z.string(), z.unknown()).optional()) as R,
      }),
    })
    .openapi(name);
}

/** One error object, as src/http/error-handler.ts writes it. */
export const errorObject = z
  .strictObject({
    status: z.string().openapi({ example: '422' }),
    code: z.string().openapi({ description: 'stable error code (src/core/app-error.ts)', example: 'VALIDATION_FAILED' }),
    title: z.string(),
    detail: z.string(),
    source: z
      .strictObject({
        pointer: z.string().optional().openapi({ description: 'JSON pointer (RFC 6901) to the request member at fault' }),
        parameter: z.string().optional().openapi({ description: 'the query parameter at fault' }),
      })
      .optional(),
  })
  .openapi('Error');

export const errorDocument = z.strictObject({ errors: z.array(errorObject).min(1) }).openapi('ErrorDocument');

const ERROR_TEXT: Record<number, string> = {
  400: 'bad request: a malformed document or query parameter',
  401: 'no or bad credentials',
  403: 'the caller lacks the permission (docs/auth.md)',
  404: 'no such resource',
  409: 'conflict with the current state (exists, still in use, wrong resource type)',
  413: 'request too large',
  415: 'wrong Content-Type',
  422: 'a request member is invalid (source.pointer names it)',
  502: 'the OCI registry failed',
  503: 'the OCI registry is unavailable',
};

/** The error responses a route declares: the JSON:API error document for each status. */
export function errorResponses(...statuses: number[]) {
  const out: Record<number, { description: string; content: Record<string, { schema: typeof errorDocument }> }> = {};
  for (const s of [401, 403, ...statuses, 502, 503]) {
    out[s] = { description: ERROR_TEXT[s] ?? 'error', content: { [JSON_API]: { schema: errorDocument } } };
  }
  return out;
}

/** A success response carrying a JSON:API document. */
export function jsonApiResponse(schema: z.ZodType, description: string) {
  return { description, content: { [JSON_API]: { schema } } };
}

/** A request body of JSON:API (application/json accepted too). */
export function jsonApiBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { [JSON_API]: { schema }, 'application/json': { schema } } } as const;
}

/** A streamed binary request body (not parsed; described for the reference). */
export function binaryBody(description: string, mediaTypes: string[] = ['application/octet-stream']) {
  return {
    required: true,
    description,
    content: Object.fromEntries(mediaTypes.map((m) => [m, { schema: z.string().openapi({ format: 'binary' }) }])),
  };
}

/** `filter[namespace]` and friends: optional string query parameters. */
export const optionalQuery = (description: string) => z.string().optional().openapi({ description });

/** A `?flag=true` query parameter (true/1/empty = true; false/0/absent = false). */
export const booleanQuery = (description: string) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((v) => v === 'true' || v === '1' || v === '')
    .openapi({ description, type: 'string', enum: ['true', 'false'] });
