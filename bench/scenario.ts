// The contract between bench/run.ts and every benchmark scenario: what a scenario is given (the shared
// registry, the server process, a signer, quick/full mode) and what it returns (markdown tables with
// ours / anchor / ratio, target checks, notes). A scenario that throws fails the run (exit code 1);
// a missed target is only reported, never a failure (timings on a shared 2-core box are not assertions).
//
// HOOK for other benchmarks (publish, `terraform init`): export `scenario: Scenario` from a module and
// add it to OPTIONAL_SCENARIOS in bench/run.ts (bench/publish.ts is already listed there). It then runs
// after the built-in ones, against the same registry and server, and its tables join BENCHMARKS.md.
import type { OciStore } from '../src/oci/store.js';
import type { BenchRegistry } from './lib/registry.js';
import type { ServerProcess } from './lib/server.js';
import type { BenchSigner } from './lib/fixtures.js';

export interface BenchContext {
  /** Quick mode (CI): small sizes, one short run per measurement. */
  readonly quick: boolean;
  /** Repository root (where package.json is). */
  readonly root: string;
  /** A temp directory for this run, removed at the end. */
  readonly tmp: string;
  /** The real CNCF Distribution registry (access log on), shared by every scenario. */
  readonly registry: BenchRegistry;
  /** The tf-oci-registry server, one separate process for the whole suite (its RSS is tracked). */
  readonly server: ServerProcess;
  /** A store on the registry for pushing fixtures (its own User-Agent, so its requests are not counted). */
  readonly pushStore: OciStore;
  /** An OpenPGP key that signs fixture SHA256SUMS files. */
  readonly signer: BenchSigner;
  /** Pin load generators and servers to separate CPUs (taskset) where a scenario says so. */
  readonly pin: boolean;
  /** Progress line on stderr. */
  log(message: string): void;
  /**
   * The server's largest polled RSS (KiB, every 100 ms) during each scenario that ran before, by id: the
   * memory scenario names where the suite's peak happened.
   */
  readonly serverPeaks: Map<string, number>;
}

/** One markdown table. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

/** A benchmark target and whether this run met it (null: not measurable in this mode). */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

export interface ScenarioResult {
  tables: Table[];
  targets: TargetCheck[];
  /** What limits the numbers, how CPU was shared, caveats: rendered as a bullet list. */
  notes: string[];
}

export interface Scenario {
  /** Short id, used by `--only=<id>`. */
  id: string;
  title: string;
  /** Runs in quick mode too (with smaller sizes). */
  quick: boolean;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}
