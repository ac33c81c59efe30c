// Anchor vs ours: a failed anchor run (nginx, the registry's own blob URL, the static mirror, a bare
// client) is retried a few times and reported, and at worst makes the anchor's figures unavailable,
// never failing the run; a run of our server is never retried, so its failure still fails the run.
import { setTimeout as sleep } from 'node:timers/promises';

export interface AnchorOptions {
  /** Attempts per anchor run (first try included). Default 3. */
  attempts?: number;
  /** Pause before a retry, ms. Default 500. */
  pauseMs?: number;
  /** Progress line for each retry and each anchor given up. */
  log?: (message: string) => void;
}

interface AnchorState {
  runs: number;
  retried: number;
  lastRetryError?: string;
  unavailable?: string;
}

/** First line of an error, at most 300 characters: enough to tell a hiccup in a report line. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/**
 * Runs one measurement of OUR server (tf-oci-registry): exactly once, no retry. A failure here is a
 * failure of the thing under test, so it propagates and fails the scenario (and the CI run).
 */
export async function measureOurs<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new Error(`tf-oci-registry (ours), ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The anchors of one scenario run: retries, unavailability, and the report lines about both. */
export class AnchorRuns {
  private readonly states = new Map<string, AnchorState>();
  private readonly attempts: number;
  private readonly pauseMs: number;
  private readonly log: (message: string) => void;

  constructor(opts: AnchorOptions = {}) {
    this.attempts = Math.max(1, opts.attempts ?? 3);
    this.pauseMs = opts.pauseMs ?? 500;
    this.log = opts.log ?? (() => undefined);
  }

  /**
   * Runs one measurement of the anchor `name`, retried up to `attempts` times with a short pause.
   * Returns undefined (never throws) when every attempt failed or the anchor was already unavailable;
   * the anchor then stays unavailable for the rest of the scenario.
   */
  async measure<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
    const s = this.state(name);
    if (s.unavailable !== undefined) return undefined;
    s.runs++;
    let lastError = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const value = await run();
        if (attempt > 1) {
          s.retried++;
          s.lastRetryError = lastError;
        }
        return value;
      } catch (err) {
        lastError = errorText(err);
        if (attempt < this.attempts) {
          this.log(`anchor ${name}: attempt ${attempt}/${this.attempts} failed, retrying: ${lastError}`);
          await sleep(this.pauseMs);
        }
      }
    }
    this.markUnavailable(name, `${this.attempts} attempts failed, last: ${lastError}`);
    return undefined;
  }

  /** Marks `name` unavailable (e.g. the process serving it did not start). */
  markUnavailable(name: string, reason: string): void {
    const s = this.state(name);
    if (s.unavailable !== undefined) return;
    s.unavailable = reason;
    this.log(`anchor ${name} unavailable: ${reason}`);
  }

  /** Why `name` is unavailable, or undefined while it is available. */
  unavailable(name: string): string | undefined {
    return this.states.get(name)?.unavailable;
  }

  /** `text` while `name` is available, else "unavailable" (for table cells). */
  cell(name: string, text: string): string {
    return this.unavailable(name) === undefined ? text : 'unavailable';
  }

  /** `text` while every anchor in `names` is available, else "anchor unavailable: <reason>". */
  measured(names: string[], text: string): string {
    const down = names.find((n) => this.unavailable(n) !== undefined);
    return down === undefined ? text : `anchor unavailable: ${down}: ${this.unavailable(down)}`;
  }

  /** True when any anchor in `names` is unavailable (a target against it cannot be judged). */
  anyUnavailable(names: string[]): boolean {
    return names.some((n) => this.unavailable(n) !== undefined);
  }

  /** Report lines: one per anchor that needed a retry or became unavailable (none when all went well). */
  notes(): string[] {
    const out: string[] = [];
    for (const [name, s] of this.states) {
      if (s.retried > 0) out.push(`anchor ${name}: ${s.retried} of ${s.runs} runs retried after: ${s.lastRetryError}`);
      if (s.unavailable !== undefined)
        out.push(`anchor ${name} unavailable: ${s.unavailable} (its figures are left out; not a failure of our server)`);
    }
    return out;
  }

  private state(name: string): AnchorState {
    let s = this.states.get(name);
    if (!s) {
      s = { runs: 0, retried: 0 };
      this.states.set(name, s);
    }
    return s;
  }
}
