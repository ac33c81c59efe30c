// The per-request logger, created only when something logs. Most requests log nothing but the access
// line, and a pino child (with the redaction rules) per request was a measurable share of a warm
// metadata request; so the child is made on first use, and the access line is one call on the base logger
// carrying the request's fields (reqId, plus anything bound, e.g. the API token's name).
// Capabilities never reach a line: the download ticket and the upload token in a path are replaced by
// "…" in the access line's `path` and in the request logger's `path`, `detail` and error messages (a
// refusal's detail may quote the path, e.g. "no route for GET /download/<ticket>").
import pino, { type Logger } from 'pino';
import { JsonMembers, jsonMember } from '../../core/json-text.js';

// /download/[m/<service>/][pull/]<ticket>[/<file>] and …/uploads/<token>: the capability segment.
// The literal segments "m" and "pull" are never a ticket (a ticket is a long base64url string): without
// this, an already redacted "/download/m/<service>/…/" would match again with "m" as the ticket. The
// providers.v1 download endpoint (/v1/providers/<namespace>/<type>/<version>/download/<os>/<arch>,
// docs/protocols.md) carries no capability: its "/download/" is not a ticket's, and its OS stays readable.
const DOWNLOAD_TICKET =
  /(?<!\/v1\/providers\/[^/\s]+\/[^/\s]+\/[^/\s]+)(\/download\/(?:m\/[^/\s]+\/)?(?:pull\/)?)(?!…(?:[/\s"'?#]|$))(?!(?:m|pull)(?:\/|$))[^/\s"'?#]+/g;
const UPLOAD_TOKEN = /(\/uploads\/)(?!…(?:[/\s"'?#]|$))[^/\s"'?#]+/g;

/** `text` with every download ticket and upload token in a path replaced by "…". */
export function redactCapabilities(text: string): string {
  if (!text.includes('/download/') && !text.includes('/uploads/')) return text;
  return text.replace(DOWNLOAD_TICKET, '$1…').replace(UPLOAD_TOKEN, '$1…');
}

/**
 * The path an access line shows. A path that a route without a capability parameter answered (every route
 * but the downloads' `:token` and the uploads' `:token`) carries none and is logged as it is; any other
 * path (a download, an upload, or a path no route answered, which may quote one) has its ticket or upload
 * token replaced by "…" (redactCapabilities). Deciding by the route spares the warm metadata requests a
 * regular expression, and keeps the providers.v1 download path's OS readable.
 */
export function accessPath(path: string, route: string | undefined): string {
  return route !== undefined && !route.includes(':token') ? path : redactCapabilities(path);
}

/** `,"method":…,"path":…,"route":…` of an access line (`route` left out when undefined). */
function headText(method: string, path: string, route: string | undefined): string {
  const head = `,"method":${JSON.stringify(method)},"path":${JSON.stringify(path)}`;
  return route === undefined ? head : `${head},"route":${JSON.stringify(route)}`;
}

/**
 * What AccessHeads keeps: routes, paths in all (all forgotten when full), and the longest path kept. A
 * client choosing its paths (any parameter value a route accepts, up to Node's 16 KiB of headers) can thus
 * make it hold at most 4,096 members of about 2 × 512 characters each, a few MB.
 */
const HEAD_ROUTES = 256;
const HEAD_PATHS = 4096;
const HEAD_PATH_CHARS = 512;

/**
 * The `,"method":…,"path":…,"route":…` members of access lines, made once per (route, path) of the GETs
 * that a route without a capability parameter answered: every `terraform init` asks for the same few
 * documents, and three JSON.stringify calls per line were the largest share of writing it (bench/findings.md,
 * "Warm metadata, round 7"). Other requests (a download's or an upload's path, which carries a capability
 * and is redacted; other methods; no route; a path longer than HEAD_PATH_CHARS) have theirs made each time.
 */
export class AccessHeads {
  /** Per route template: its paths' members, or null for a route with a capability parameter (not kept). */
  readonly #byRoute = new Map<string, Map<string, string> | null>();
  /** Paths kept, all routes together. */
  #paths = 0;

  /** The members for a request; `path` as requested (the capability redaction is applied here). */
  head(method: string, path: string, route: string | undefined): string {
    if (route === undefined || method !== 'GET') return headText(method, accessPath(path, route), route);
    let paths = this.#byRoute.get(route);
    if (paths === undefined) {
      paths = route.includes(':token') ? null : new Map();
      if (this.#byRoute.size < HEAD_ROUTES) this.#byRoute.set(route, paths);
    }
    if (paths === null) return headText(method, redactCapabilities(path), route);
    let text = paths.get(path);
    if (text === undefined) {
      text = headText(method, path, route);
      if (path.length > HEAD_PATH_CHARS) return text;
      if (this.#paths >= HEAD_PATHS) {
        for (const kept of this.#byRoute.values()) kept?.clear();
        this.#paths = 0;
      }
      paths.set(path, text);
      this.#paths++;
    }
    return text;
  }

  /** Paths kept now (all routes). */
  get size(): number {
    return this.#paths;
  }
}

function redactValue(value: unknown): unknown {
  return typeof value === 'string' ? redactCapabilities(value) : value;
}

/** pino's error serializer, with capabilities redacted from the message and stack. */
function redactError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (typeof out !== 'object' || out === null) return out;
  for (const key of ['message', 'stack', 'detail']) if (typeof out[key] === 'string') out[key] = redactCapabilities(out[key]);
  return out;
}

const CHILD_OPTIONS = { serializers: { path: redactValue, detail: redactValue, url: redactValue, err: redactError } };

/** Writes one access line (see RequestLog.access): its JSON text, newline included. */
export type AccessWriter = (line: string) => void;

/**
 * The writer of `access`'s access lines, resolved once per pipeline: the logger's destination stream,
 * written to directly, or, for a logger without one, its info() (the line parsed back into fields).
 */
export function accessWriter(access: Logger): AccessWriter {
  const stream = (access as unknown as Record<symbol, { write(line: string): unknown } | undefined>)[pino.symbols.streamSym];
  if (stream !== undefined) return (line) => void stream.write(line);
  return (line) => {
    const { level: _level, time: _time, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
    access.info(fields, String(msg));
  };
}

/** A number as JSON writes it (null for NaN and the infinities). */
function numberText(n: number): string {
  return Number.isFinite(n) ? `${n}` : 'null';
}

/** What a pipeline shares with the request logs it makes. */
export interface RequestLogShared {
  /** The memo of access-line members (none: made for each line). */
  heads?: AccessHeads;
  /** Request ids are the pipeline's (requestIdOf: [A-Za-z0-9_.-] only), written in a line without escaping. */
  plainIds?: boolean;
}

export class RequestLog {
  readonly #base: Logger;
  readonly #writeAccess: AccessWriter;
  readonly #heads: AccessHeads | undefined;
  readonly #plainId: boolean;
  #bindings: Record<string, unknown>;
  /** The bindings as access-line members (`,"reqId":"…"` and any bound field), made when they change. */
  #bindingsText: string | undefined;
  #child: Logger | undefined;

  /** `writeAccess`: the writer of access lines (accessWriter of a logger without redaction paths). */
  constructor(base: Logger, writeAccess: AccessWriter, requestId: string, shared: RequestLogShared = {}) {
    this.#base = base;
    this.#writeAccess = writeAccess;
    this.#heads = shared.heads;
    this.#plainId = shared.plainIds === true;
    this.#bindings = { reqId: requestId };
  }

  /** The request's child logger (reqId and bound fields on every line), created on first use. */
  get logger(): Logger {
    return (this.#child ??= this.#base.child(this.#bindings, CHILD_OPTIONS));
  }

  /** True when lines at `level` are written (check before building a costly line). */
  enabled(level: string): boolean {
    return this.#base.isLevelEnabled(level);
  }

  /** Adds fields to every later line of this request (audit: which API token acted). */
  bind(fields: Record<string, unknown>): void {
    this.#bindings = { ...this.#bindings, ...fields };
    this.#bindingsText = undefined;
    if (this.#child) this.#child = this.#child.child(fields);
  }

  #bindingText(): string {
    if (this.#bindingsText !== undefined) return this.#bindingsText;
    const bindings = this.#bindings;
    let text = '';
    for (const key in bindings) {
      const value = bindings[key];
      text += key === 'reqId' && this.#plainId ? `,"reqId":"${value as string}"` : jsonMember(key, value);
    }
    return (this.#bindingsText = text);
  }

  /**
   * The access line: `request` at info (check the level before calling), in exactly the shape pino gives a
   * line (level, time, the request's bindings, the fields, msg). It is the one line every request writes,
   * so its JSON text is written by hand from its known members: the bindings' text once per request, the
   * method, path and route from the pipeline's memo (AccessHeads), and `extra` given as JsonMembers (the
   * usage event, shared by many requests) spliced as it is: one JSON.stringify of the whole line object cost
   * about 1.5 µs more per request (bench/findings.md, "Warm metadata, round 4"). The text equals
   * JSON.stringify of the line object (src/http/pipeline/request-log.test.ts checks it on generated lines);
   * undefined values are left out (`route` when no route answered). Every field is built by the pipeline
   * from known values (route, status, usage facts, the API token's name), none of them a credential, so no
   * redaction pass is needed; `path` is the requested path, whose capability (a download ticket, an upload
   * token) is replaced by "…" here (accessPath).
   */
  access(
    method: string,
    path: string,
    route: string | undefined,
    status: number,
    ms: number,
    extra?: Readonly<Record<string, unknown>> | JsonMembers,
  ): void {
    const head = this.#heads === undefined ? headText(method, accessPath(path, route), route) : this.#heads.head(method, path, route);
    const tail = extra === undefined ? '' : extra instanceof JsonMembers ? extra.text : JsonMembers.of(extra).text;
    this.#writeAccess(
      `{"level":30,"time":${Date.now()}${this.#bindingText()}${head},"status":${numberText(status)},"ms":${numberText(ms)}${tail},"msg":"request"}\n`,
    );
  }
}
