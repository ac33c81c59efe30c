// The caller as the use cases see it (core/caller.ts), built by both pipeline entries from the access
// decision: its abort signal is created only when an upstream call reads it (most warm requests never do).
import type { Caller } from '../../core/caller.js';

export class RequestCaller implements Caller {
  readonly principal: string;
  readonly credential: Caller['credential'];
  readonly label: string | undefined;
  readonly #makeSignal: () => AbortSignal;
  #signal: AbortSignal | undefined;

  constructor(caller: Caller, makeSignal: () => AbortSignal) {
    this.principal = caller.principal;
    this.credential = caller.credential;
    this.label = caller.label;
    this.#makeSignal = makeSignal;
  }

  get signal(): AbortSignal {
    this.#signal ??= this.#makeSignal();
    return this.#signal;
  }
}
