// The per-request logger, created only when something logs. Most requests log nothing but the access
// line, and a pino child (with the redaction rules) per request was a measurable share of a warm
// metadata request; so the child is made on first use, and the access line is one call on the base logger
// carrying the request's fields (reqId, plus anything bound, e.g. the API token's name).
import type { Logger } from 'pino';

export class RequestLog {
  readonly #base: Logger;
  #bindings: Record<string, unknown>;
  #child: Logger | undefined;

  constructor(base: Logger, requestId: string) {
    this.#base = base;
    this.#bindings = { reqId: requestId };
  }

  /** The request's child logger (reqId and bound fields on every line), created on first use. */
  get logger(): Logger {
    return (this.#child ??= this.#base.child(this.#bindings));
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

  /** The access line: `request` at info with the request's fields (check the level before building them). */
  access(fields: Record<string, unknown>): void {
    if (this.#child) this.#child.info(fields, 'request');
    else this.#base.info({ ...this.#bindings, ...fields }, 'request');
  }
}
