// The per-request logger, created only when something logs. Most requests log nothing but the access
// line, and a pino child (with the redaction rules) per request was a measurable share of a warm
// metadata request; so the child is made on first use, and the access line is one call on the base logger
// carrying the request's fields (reqId, plus anything bound, e.g. the API token's name).
// Capabilities never reach a line: the download ticket and the upload token in a path are replaced by
// "…" in the access line's `path` and in the request logger's `path`, `detail` and error messages (a
// refusal's detail may quote the path, e.g. "no route for GET /download/<ticket>").
import pino, { type Logger } from 'pino';
import { JsonText } from '../../core/json-text.js';

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

/** `,"key":value` of one member of an access line; '' for a value JSON leaves out (undefined). */
function member(key: string, value: unknown): string {
  if (value instanceof JsonText) return `,${JSON.stringify(key)}:${value.text}`;
  const json = JSON.stringify(value);
  return json === undefined ? '' : `,${JSON.stringify(key)}:${json}`;
}

/** A number as JSON writes it (null for NaN and the infinities). */
function numberText(n: number): string {
  return Number.isFinite(n) ? `${n}` : 'null';
}

export class RequestLog {
  readonly #base: Logger;
  readonly #writeAccess: AccessWriter;
  #bindings: Record<string, unknown>;
  #child: Logger | undefined;

  /** `writeAccess`: the writer of access lines (accessWriter of a logger without redaction paths). */
  constructor(base: Logger, writeAccess: AccessWriter, requestId: string) {
    this.#base = base;
    this.#writeAccess = writeAccess;
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
    if (this.#child) this.#child = this.#child.child(fields);
  }

  /**
   * The access line: `request` at info (check the level before calling), in exactly the shape pino gives a
   * line (level, time, the request's bindings, the fields, msg). It is the one line every request writes,
   * so its JSON text is written by hand from its known members, each string through JSON.stringify, and
   * fields given as JsonText (the usage event, shared by many requests) spliced as they are: one
   * JSON.stringify of the whole line object cost about 1.5 µs more per request, most of it re-serializing
   * the same usage event (bench/findings.md, "Warm metadata, round 4"). The text equals JSON.stringify of
   * the line object (src/http/pipeline/request-log.test.ts checks it on generated lines); undefined values
   * are left out (`route` when no route answered). Every field is built by the pipeline from known values
   * (route, status, usage facts, the API token's name), none of them a credential, so no redaction pass is
   * needed; `path` must come capability-redacted (the pipeline's accessPath).
   */
  access(method: string, path: string, route: string | undefined, status: number, ms: number, extra?: Record<string, unknown>): void {
    let line = `{"level":30,"time":${Date.now()}`;
    const bindings = this.#bindings;
    for (const key in bindings) line += member(key, bindings[key]);
    line += `,"method":${JSON.stringify(method)},"path":${JSON.stringify(path)}`;
    if (route !== undefined) line += `,"route":${JSON.stringify(route)}`;
    line += `,"status":${numberText(status)},"ms":${numberText(ms)}`;
    if (extra !== undefined) for (const key in extra) line += member(key, extra[key]);
    this.#writeAccess(`${line},"msg":"request"}\n`);
  }
}
