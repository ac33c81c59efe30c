// The per-request logger, created only when something logs. Most requests log nothing but the access
// line, and a pino child (with the redaction rules) per request was a measurable share of a warm
// metadata request; so the child is made on first use, and the access line is one call on the base logger
// carrying the request's fields (reqId, plus anything bound, e.g. the API token's name).
// Capabilities never reach a line: the download ticket and the upload token in a path are replaced by
// "…" in the access line's `path` and in the request logger's `path`, `detail` and error messages (a
// refusal's detail may quote the path, e.g. "no route for GET /download/<ticket>").
import pino, { type Logger } from 'pino';

// /download/[m/<service>/][pull/]<ticket>[/<file>] and …/uploads/<token>: the capability segment.
// The literal segments "m" and "pull" are never a ticket (a ticket is a long base64url string): without
// this, an already redacted "/download/m/<service>/…/" would match again with "m" as the ticket.
const DOWNLOAD_TICKET = /(\/download\/(?:m\/[^/\s]+\/)?(?:pull\/)?)(?!…(?:[/\s"'?#]|$))(?!(?:m|pull)(?:\/|$))[^/\s"'?#]+/g;
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

export class RequestLog {
  readonly #base: Logger;
  readonly #access: Logger;
  #bindings: Record<string, unknown>;
  #child: Logger | undefined;

  /** `access`: the logger of access lines (no redaction paths: every field is built by the pipeline). */
  constructor(base: Logger, access: Logger, requestId: string) {
    this.#base = base;
    this.#access = access;
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
   * The access line: `request` at info with the request's fields (check the level before building them).
   * It is the one line every request writes, so it is serialized here in one native JSON.stringify and
   * written to the logger's own destination, in exactly the shape pino gives it (level, time, bindings,
   * fields, msg): pino's generic per-field serialization was about half the CPU of a warm metadata
   * request's logging (bench/findings.md, "The access line, round 2"). Every field is built by the
   * pipeline from known values (route, status, a capability-redacted path, usage facts, the API token's
   * name), none of them a credential, so no redaction pass is needed.
   */
  access(fields: Record<string, unknown>): void {
    if (typeof fields.path === 'string') fields.path = redactCapabilities(fields.path);
    const stream = (this.#access as unknown as Record<symbol, { write(line: string): unknown } | undefined>)[pino.symbols.streamSym];
    if (stream === undefined) {
      this.#access.info({ ...this.#bindings, ...fields }, 'request');
      return;
    }
    const bindings = JSON.stringify(this.#bindings);
    const body = JSON.stringify(fields);
    stream.write(
      `{"level":30,"time":${Date.now()},${bindings.slice(1, -1)}${body.length > 2 ? `,${body.slice(1, -1)}` : ''},"msg":"request"}\n`,
    );
  }
}
