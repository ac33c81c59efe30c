// The shapes of the store self-test (`tf-oci-registry check`): one result per check, ok / warn / fail,
// with what was seen and, unless ok, how to fix it. docs/operations.md#check lists the checks.
import type { RegistryProbe } from '../oci/remote/probe.js';
import type { OciStore } from '../oci/store.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable name, e.g. "delete" (docs/operations.md#check). */
  name: string;
  status: CheckStatus;
  /** What was seen, one line. */
  message: string;
  /** What to do about a warn or fail, one line. */
  hint?: string;
}

export interface StoreCheckDeps {
  /** The store to test, as the server would use it (with its credential). */
  store: OciStore;
  /** Raw requests to the registry (registry stores only): auth scheme, pagination, referrers, tag delete. */
  probe?: RegistryProbe;
  /** The scratch repository to write to, e.g. "<prefix>/tf-oci-registry-check/<random>". */
  repository: string;
  /** Removes what is left of the scratch repository after the checks (layout stores: its directory). */
  removeRepository?: (repository: string) => Promise<void>;
}

export interface StoreCheckReport {
  store: string;
  repository: string;
  results: CheckResult[];
  /** No check failed. */
  ok: boolean;
}
