// Schema failures as the API's errors: a zod issue list becomes one AppError whose first error object
// points at the bad member (JSON:API `source.pointer`, RFC 6901; `source.parameter` for a query
// parameter), with one further error object per further issue. Messages name the member and what is
// expected, never the value sent (a 10 KB value is not echoed back).
import type { z } from '@hono/zod-openapi';
import { AppError } from '../../core/app-error.js';

/** What the request is about, for messages: "unknown attribute "x" for a provider". */
export interface MemberWording {
  /** e.g. "provider", "GPG key". */
  resource: string;
  /** Attributes that exist but cannot be changed (PATCH). */
  immutable?: readonly string[];
}

type Issue = z.core.$ZodIssue;

const escapePointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
const pointerOf = (path: readonly PropertyKey[]): string => path.map((p) => `/${escapePointer(String(p))}`).join('');

/** `attribute "name"`, `relationship "provider"`, `"data"`. */
function memberName(path: readonly PropertyKey[]): string {
  const [top, group, name, ...rest] = path.map(String);
  const tail = rest.map((r) => `[${r}]`).join('');
  if (top === 'data' && group === 'attributes' && name !== undefined) return `attribute "${name}"${tail}`;
  if (top === 'data' && group === 'relationships' && name !== undefined) return `relationship "${name}"${tail}`;
  return path.length === 0 ? 'the document' : `"${path.map(String).join('.')}"`;
}

const expectedWord: Record<string, string> = { array: 'a list', object: 'an object', boolean: 'true or false', number: 'a number' };

/** zod's own English messages; any other message was written in the schema (`{ error: '…' }`) and is kept. */
const ZOD_DEFAULT = /^(Invalid|Too (big|small)|Unrecognized|Expected)/;

function bodyMessage(issue: Issue, wording: MemberWording): { pointer: string; message: string; conflict?: boolean } {
  const path = issue.path;
  const member = memberName(path);
  const input = (issue as { input?: unknown }).input;
  if (!ZOD_DEFAULT.test(issue.message) && issue.code !== 'unrecognized_keys') return { pointer: pointerOf(path), message: issue.message };
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined || input === null) {
        if (path.length === 1 && path[0] === 'data')
          return { pointer: '/data', message: 'the request body must be a JSON:API document {"data": {"type": …, "attributes": {…}}}' };
        return { pointer: pointerOf(path), message: `${member} is required` };
      }
      return { pointer: pointerOf(path), message: `${member} must be ${expectedWord[issue.expected] ?? `a ${issue.expected}`}` };
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) <= 1) return { pointer: pointerOf(path), message: `${member} is required` };
      if (issue.origin === 'array') return { pointer: pointerOf(path), message: `${member} must hold at least ${issue.minimum} entries` };
      return { pointer: pointerOf(path), message: `${member} is shorter than ${issue.minimum} characters` };
    case 'too_big':
      if (issue.origin === 'array') return { pointer: pointerOf(path), message: `${member} holds more than ${issue.maximum} entries` };
      return { pointer: pointerOf(path), message: `${member} is longer than ${issue.maximum} characters` };
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      const inAttributes = path.length === 2 && path[1] === 'attributes';
      const pointer = pointerOf([...path, key]);
      if (inAttributes && wording.immutable?.includes(key))
        return { pointer, message: `attribute "${key}" of a ${wording.resource} cannot be changed` };
      return { pointer, message: `unknown ${inAttributes ? 'attribute' : 'member'} "${key.slice(0, 64)}" for a ${wording.resource}` };
    }
    case 'invalid_value':
      if (path.length === 2 && path[0] === 'data' && path[1] === 'type') {
        const want = String(issue.values[0]);
        const got = typeof input === 'string' ? JSON.stringify(input.slice(0, 64)) : 'null';
        return { pointer: '/data/type', message: `resource type must be "${want}", got ${got}`, conflict: true };
      }
      return { pointer: pointerOf(path), message: `${member} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { pointer: pointerOf(path), message: `${member}: ${issue.message}` };
  }
}

/** A request document that does not match its schema: 409 for a wrong resource type, else 422 (400 when not a document). */
export function bodyError(error: z.ZodError, wording: MemberWording): AppError {
  const all = error.issues.map((i) => bodyMessage(i, wording));
  const first = all[0]!;
  const notDocument = first.pointer === '/data' || first.pointer === '';
  const code = first.conflict ? 'CONFLICT' : notDocument ? 'BAD_REQUEST' : 'VALIDATION_FAILED';
  return new AppError(code, first.message, {
    source: { pointer: first.pointer || '/' },
    details: all.slice(1).map((m) => `${m.message} (${m.pointer})`),
  });
}

/** Query parameters that do not match: 400 naming the parameter. */
export function queryError(error: z.ZodError): AppError {
  const messages = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      return { parameter: key.slice(0, 40), message: `unknown query parameter "${key.slice(0, 40)}"` };
    }
    const name = String(issue.path[0] ?? '');
    if (issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined)
      return { parameter: name, message: `query parameter "${name}" is required` };
    if (issue.code === 'invalid_value')
      return { parameter: name, message: `query parameter ${name} must be ${issue.values.filter((v) => v !== '').join(' or ')}` };
    if (issue.code === 'invalid_type' && issue.expected !== 'string')
      return { parameter: name, message: `query parameter ${name} must be given once` };
    if (issue.code === 'too_big') return { parameter: name, message: `query parameter ${name} is longer than ${issue.maximum} characters` };
    return { parameter: name, message: `query parameter ${name}: ${issue.message}` };
  });
  const first = messages[0]!;
  return new AppError('BAD_REQUEST', first.message, {
    source: { parameter: first.parameter },
    details: messages.slice(1).map((m) => m.message),
  });
}

/** Path parameters that do not match (e.g. a version over 128 characters): 400 naming the parameter, not echoing it. */
export function paramError(error: z.ZodError): AppError {
  const issue = error.issues[0]!;
  const name = String(issue.path[0] ?? '');
  const what =
    issue.code === 'too_big' ? `is longer than ${issue.maximum} characters` : issue.code === 'too_small' ? 'is too short' : 'is not valid';
  return new AppError('BAD_REQUEST', `path parameter "${name}" ${what}`, { source: { parameter: name } });
}
