// The one request pipeline. Every request, whichever entry answers it (the Node front for served requests,
// the Hono adapter for app.request), gets ONE RequestScope from here and is finished ONCE through it:
//   start   request id (X-Request-Id when sane, else new), start time, the request's logger
//   admit   the one access decision (core/admission.ts): the caller the use cases act as, or a refusal
//   finish  the access line (route template, status, ms; never a token or ticket) and every observer
//           (metrics, usage events: anything cross-cutting registers here, never as an app.use)
// test/http/pipeline.test.ts sends a request to every route of the application through both entries and
// fails when one is not finished exactly once with its route template.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Admission, Admit } from '../../core/admission.js';
import type { DownloadFacts } from '../../core/download-facts.js';
import type { JsonMembers } from '../../core/json-text.js';
import { AccessHeads, type AccessWriter, accessWriter, RequestLog, type RequestLogShared } from './request-log.js';

/** What every observer is told about a finished request. */
export interface RequestRecord {
  requestId: string;
  method: string;
  /** The route template that answered (`/v1/providers/:namespace/:type/versions`), or undefined (no route). */
  route: string | undefined;
  status: number;
  /** Wall time from start to finish, ms. */
  ms: number;
  /** Who the request acted as ("service", a credential hash, or undefined when refused before admission). */
  principal: string | undefined;
  /** Set by the download routes: what was downloaded (src/core/download-facts.ts). */
  download?: DownloadFacts | undefined;
  /** Why the request failed (src/http/error-handler.ts outcomeReason), when it did. */
  outcome?: string | undefined;
  /** The matched route's parameters (namespace, type, ...), when a route matched. */
  params?: Readonly<Record<string, string>> | undefined;
  /** The client's User-Agent header (terraform and tofu send "Terraform/1.8.5", "OpenTofu/1.10.10"). */
  userAgent?: string | undefined;
  /** Service mode: the name of the API token that was checked. */
  apiToken?: string | undefined;
}

/** A cross-cutting concern fed by every request (metrics, usage events). Must not throw. */
export type RequestObserver = (record: RequestRecord) => void;

export interface PipelineOptions {
  logger: Logger;
  admit: Admit;
  observers?: readonly RequestObserver[];
  /**
   * Fields added to a request's access line (usage events: docs/operations.md#usage); one line per request.
   * JsonMembers when many requests share them (their text is then made once).
   */
  accessFields?: (record: RequestRecord) => Readonly<Record<string, unknown>> | JsonMembers | undefined;
}

const SANE_REQUEST_ID = /^[\w.-]{1,64}$/;

/** The request id: the client's X-Request-Id when it is sane (1-64 of [A-Za-z0-9_.-]), else a new UUID. */
export function requestIdOf(given: string | string[] | undefined | null): string {
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

export class RequestScope {
  readonly requestId: string;
  readonly log: RequestLog;
  readonly #pipeline: Pipeline;
  readonly #started = performance.now();
  #method = 'GET';
  #path = '/';
  #admission: Admission | undefined;
  #finished = false;
  /** The route template that answered, set by the entry that dispatched the request. */
  route: string | undefined;
  /** What a download route served, for the observers. */
  download: DownloadFacts | undefined;
  /** Why the request failed, for the observers (the error handler sets it). */
  outcome: string | undefined;
  /** The matched route's parameters, set by the entry that dispatched the request. */
  params: Readonly<Record<string, string>> | undefined;
  /** The client's User-Agent. */
  userAgent: string | undefined;

  constructor(pipeline: Pipeline, requestId: string) {
    this.#pipeline = pipeline;
    this.requestId = requestId;
    this.log = new RequestLog(pipeline.logger, pipeline.writeAccess, requestId, pipeline.logShared);
  }

  /** The access decision for this request (once); throws the refusal (AppError 401/403). */
  admit(method: string, path: string, authorization: string | undefined): Admission {
    this.#method = method;
    this.#path = path;
    const admission = this.#pipeline.admitFn(method, path, authorization);
    this.#admission = admission;
    if (admission.apiToken !== undefined) this.log.bind({ apiToken: admission.apiToken });
    return admission;
  }

  /** Names the request for the access line when it was refused or answered before admission. */
  describe(method: string, path: string): void {
    this.#method = method;
    this.#path = path;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** The access line and every observer, exactly once per request. */
  finish(status: number): void {
    if (this.#finished) return;
    this.#finished = true;
    const ms = Math.round((performance.now() - this.#started) * 10) / 10;
    const pipeline = this.#pipeline;
    const observers = pipeline.observers;
    // One fixed shape (absent facts are undefined, which JSON and the observers read as absent): building
    // it with conditional spreads cost a measurable share of a warm request (bench/findings.md).
    const record: RequestRecord | undefined =
      observers.length > 0 || pipeline.accessFields
        ? {
            requestId: this.requestId,
            method: this.#method,
            route: this.route,
            status,
            ms,
            principal: this.#admission?.caller.principal,
            download: this.download,
            outcome: this.outcome,
            params: this.params,
            userAgent: this.userAgent,
            apiToken: this.#admission?.apiToken,
          }
        : undefined;
    if (this.log.enabled('info')) {
      const extra = record && pipeline.accessFields ? pipeline.accessFields(record) : undefined;
      this.log.access(this.#method, this.#path, this.route, status, ms, extra);
    }
    if (!record) return;
    for (const observe of observers) {
      try {
        observe(record);
      } catch (err) {
        this.log.logger.warn({ err }, 'request observer failed');
      }
    }
  }
}

/** The pipeline of one application: its logger, access decision and observers. */
export class Pipeline {
  readonly logger: Logger;
  /**
   * Writes an access line (request-log.ts accessWriter) to the logger's destination, through a child
   * without the redaction paths (Pipeline.accessLogger before): every field of an access line is built
   * here from known values (route, status, a capability-redacted path, usage facts), none of them a
   * credential, and the wildcard redaction cost about 10 µs per line (bench/findings.md).
   */
  readonly writeAccess: AccessWriter;
  /** The access lines' method, path and route members, made once per path of a route, and plain ids (requestIdOf). */
  readonly logShared: RequestLogShared = { heads: new AccessHeads(), plainIds: true };
  readonly admitFn: Admit;
  readonly observers: readonly RequestObserver[];
  readonly accessFields: PipelineOptions['accessFields'];

  constructor(opts: PipelineOptions) {
    this.logger = opts.logger;
    this.writeAccess = accessWriter(opts.logger.child({}, { redact: { paths: [] } }));
    this.admitFn = opts.admit;
    this.observers = opts.observers ?? [];
    this.accessFields = opts.accessFields;
  }

  /** Scopes started by the Node front, looked up by the Hono adapter for the same request. */
  readonly #byRequest = new WeakMap<object, RequestScope>();

  /** Starts a request: its id (from the X-Request-Id header value) and logger. */
  start(requestIdHeader: string | string[] | undefined | null): RequestScope {
    return new RequestScope(this, requestIdOf(requestIdHeader));
  }

  /** Hands a scope from the Node front to the Hono adapter (keyed by the Node request object). */
  attach(request: object, scope: RequestScope): void {
    this.#byRequest.set(request, scope);
  }

  /** The scope the Node front started for this Node request, if any. */
  scopeOf(request: object | undefined): RequestScope | undefined {
    return request === undefined ? undefined : this.#byRequest.get(request);
  }
}
