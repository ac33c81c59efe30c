// Imports started through the API (POST /api/v1/mirror-imports, docs/mirror.md): the same import as the
// `mirror` command, run in the background by the replica that accepted it, its status kept as a record in
// the records repository (src/layout/records.ts) so that ANY replica answers GET. The running replica
// writes the record when the import starts, after every platform, and at the end, with a heartbeat; a
// `running` record whose heartbeat is older than STALE_AFTER_MS is reported `interrupted` (its replica
// stopped or crashed): start the import again, what was stored is skipped.
import { randomBytes } from 'node:crypto';
import { AppError } from '../core/app-error.js';
import { type Attributes, invalid } from '../core/attributes.js';
import { actorName } from '../core/actor.js';
import type { Caller } from '../core/caller.js';
import { createRecordStore, type RecordStore } from '../core/record-store.js';
import { recordTag, tagPrefixes } from '../layout/records.js';
import { formatProviderAddress, parsePlatform, parseProviderAddress } from '../upstream/address.js';
import { isUpstreamError } from '../upstream/errors.js';
import type { Platform, ProviderAddress } from '../upstream/types.js';
import { parseVersionConstraints, type VersionMatcher } from '../upstream/version-constraints.js';
import type { MirrorDeps } from './deps.js';
import type { ImportEvents, ImportResult, ImportSource, ImportWant } from './import-providers.js';

/** A `running` import not heard from for this long is reported `interrupted`. */
export const STALE_AFTER_MS = 120_000;
/** Providers one import may name. */
const MAX_PROVIDERS = 50;
/** Imports a listing returns at most (newest first); also how many records are kept (older ones are deleted). */
export const MAX_LISTED = 200;

export type ImportStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface ImportRecord {
  id: string;
  status: ImportStatus;
  providers: string[];
  version?: string;
  platforms: string[];
  dryRun: boolean;
  results: ImportResult[];
  errors: string[];
  /** Who started it (principal), for audit. */
  startedBy: string;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
}

const TAG_NAMESPACE = 'imports';

/** Runs one import (import-providers.ts bound to its dependencies). */
export type RunImport = (
  from: ImportSource,
  wants: readonly ImportWant[],
  opts: { dryRun?: boolean; events?: ImportEvents },
) => Promise<{ results: ImportResult[]; errors: string[] }>;

/** What starting an import needs from the rest of the mirror: where each provider is read from. */
export type SourceFor = (address: ProviderAddress) => ImportSource | undefined;

export class ImportJobs {
  readonly #deps: MirrorDeps;
  readonly #records: RecordStore;
  readonly #run: RunImport;
  readonly #sourceFor: SourceFor;
  /** Imports running in this process (tests and graceful shutdown wait for them). */
  readonly running = new Set<Promise<void>>();

  constructor(deps: MirrorDeps, run: RunImport, sourceFor: SourceFor) {
    this.#deps = deps;
    this.#records = createRecordStore(deps);
    this.#run = run;
    this.#sourceFor = sourceFor;
  }

  /** Checks the request, records the import as `running`, starts it in the background. */
  async start(attrs: Attributes, caller: Caller): Promise<ImportRecord> {
    const req = parseRequest(attrs);
    const missing = req.addresses.filter((a) => this.#sourceFor(a) === undefined);
    if (missing.length > 0) {
      throw invalid(
        'providers',
        `no [[mirror.upstream]] is configured for ${[...new Set(missing.map((a) => a.hostname))].join(', ')}: the API imports from configured upstreams only (the mirror command reads any source)`,
      );
    }
    const now = new Date(this.#deps.now()).toISOString();
    const record: ImportRecord = {
      id: `imp-${randomBytes(9).toString('base64url')}`,
      status: 'running',
      providers: req.addresses.map(formatProviderAddress),
      ...(req.version !== undefined ? { version: req.version.text } : {}),
      platforms: req.platforms.map((p) => `${p.os}_${p.arch}`),
      dryRun: req.dryRun,
      results: [],
      errors: [],
      startedBy: actorName(caller) ?? caller.principal,
      startedAt: now,
      updatedAt: now,
    };
    await this.#records.put('mirror-import', tagOf(record.id), record, this.#deps.writer);
    const job = this.#execute(record, req).finally(() => this.running.delete(job));
    this.running.add(job);
    return record;
  }

  async get(id: string, caller: Caller): Promise<ImportRecord> {
    if (!/^imp-[A-Za-z0-9_-]{12}$/.test(id)) throw new AppError('NOT_FOUND', `no import with id ${JSON.stringify(id)}`);
    const stored = await this.#records.get<ImportRecord>('mirror-import', tagOf(id), caller);
    if (!stored) throw new AppError('NOT_FOUND', `no import with id ${JSON.stringify(id)}`);
    return this.#view(stored.data);
  }

  async list(caller: Caller): Promise<ImportRecord[]> {
    const all = await this.#records.list<ImportRecord>('mirror-import', tagPrefixes('mirror-import', TAG_NAMESPACE), caller);
    return all
      .map((s) => this.#view(s.data))
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .slice(0, MAX_LISTED);
  }

  #view(r: ImportRecord): ImportRecord {
    if (r.status === 'running' && this.#deps.now() - Date.parse(r.updatedAt) > STALE_AFTER_MS) return { ...r, status: 'interrupted' };
    return r;
  }

  async #execute(record: ImportRecord, req: ParsedRequest): Promise<void> {
    // Saves run one after another, each writing the record as it is then: the last write is the newest.
    let saving = Promise.resolve();
    const save = (): Promise<void> => {
      saving = saving.then(async () => {
        record.updatedAt = new Date(this.#deps.now()).toISOString();
        try {
          await this.#records.put('mirror-import', tagOf(record.id), structuredClone(record), this.#deps.writer);
        } catch (err) {
          this.#deps.logger.warn({ err, import: record.id }, 'could not record the progress of an import');
        }
      });
      return saving;
    };
    try {
      for (const address of req.addresses) {
        const from = this.#sourceFor(address)!;
        const want: ImportWant = {
          address,
          ...(req.version ? { constraint: req.version } : {}),
          ...(req.platforms.length > 0 ? { platforms: req.platforms } : {}),
        };
        const summary = await this.#run(from, [want], {
          dryRun: req.dryRun,
          events: {
            finished: (r) => {
              record.results.push(r);
              void save();
            },
          },
        });
        record.errors.push(...summary.errors);
      }
      record.status = record.errors.length > 0 || record.results.some((r) => r.outcome === 'failed') ? 'failed' : 'succeeded';
    } catch (err) {
      record.errors.push(isUpstreamError(err) ? err.message : `internal error: ${(err as Error).message}`);
      record.status = 'failed';
      this.#deps.logger.error({ err, import: record.id }, 'import failed');
    }
    record.finishedAt = new Date(this.#deps.now()).toISOString();
    await save();
    this.#deps.logger.info(
      { import: record.id, status: record.status, results: record.results.length, errors: record.errors.length },
      'import finished',
    );
    await this.prune().catch((err: unknown) => this.#deps.logger.warn({ err }, 'could not delete old import records'));
  }

  /**
   * Deletes the records of finished (or interrupted) imports beyond the newest `keep`, so the records
   * repository and every listing stay bounded. Runs after each import; running ones are never deleted.
   * A registry that refuses deletes keeps them (the listing still shows only the newest `keep`).
   */
  async prune(keep = MAX_LISTED): Promise<number> {
    const all = await this.#records.list<ImportRecord>('mirror-import', tagPrefixes('mirror-import', TAG_NAMESPACE), this.#deps.writer);
    const old = all.sort((a, b) => (a.data.startedAt < b.data.startedAt ? 1 : a.data.startedAt > b.data.startedAt ? -1 : 0)).slice(keep);
    let removed = 0;
    for (const stored of old) {
      if (this.#view(stored.data).status === 'running') continue;
      await this.#records.remove(stored, this.#deps.writer);
      removed++;
    }
    return removed;
  }
}

const tagOf = (id: string): string => recordTag('mirror-import', TAG_NAMESPACE, id);

interface ParsedRequest {
  addresses: ProviderAddress[];
  version?: VersionMatcher;
  platforms: Platform[];
  dryRun: boolean;
}

/** The request's attributes: providers (required list of addresses), version, platforms, dry-run. */
function parseRequest(attrs: Attributes): ParsedRequest {
  for (const k of Object.keys(attrs)) {
    if (!['providers', 'version', 'platforms', 'dry-run'].includes(k)) {
      throw invalid(k, `unknown attribute "${k}" for an import (providers, version, platforms, dry-run)`);
    }
  }
  const providers = attrs.providers;
  if (!Array.isArray(providers) || providers.length === 0 || !providers.every((p) => typeof p === 'string')) {
    throw invalid(
      'providers',
      'attribute "providers" must be a non-empty list of provider addresses, e.g. ["registry.terraform.io/hashicorp/aws"]',
    );
  }
  if (providers.length > MAX_PROVIDERS) throw invalid('providers', `an import names at most ${MAX_PROVIDERS} providers`);
  const addresses = providers.map((p, i) => {
    try {
      return parseProviderAddress(p as string);
    } catch (err) {
      throw invalid(`/data/attributes/providers/${i}`, (err as Error).message);
    }
  });
  let version: VersionMatcher | undefined;
  if (attrs.version !== undefined && attrs.version !== null) {
    if (typeof attrs.version !== 'string')
      throw invalid('version', 'attribute "version" must be a version constraint string, e.g. "~> 5.0"');
    try {
      version = parseVersionConstraints(attrs.version);
    } catch (err) {
      throw invalid('version', (err as Error).message);
    }
  }
  const rawPlatforms = attrs.platforms ?? [];
  if (!Array.isArray(rawPlatforms) || !rawPlatforms.every((p) => typeof p === 'string')) {
    throw invalid('platforms', 'attribute "platforms" must be a list of "<os>_<arch>" strings');
  }
  const platforms = rawPlatforms.map((p, i) => {
    try {
      return parsePlatform(p as string);
    } catch (err) {
      throw invalid(`/data/attributes/platforms/${i}`, (err as Error).message);
    }
  });
  const dryRun = attrs['dry-run'] ?? false;
  if (typeof dryRun !== 'boolean') throw invalid('dry-run', 'attribute "dry-run" must be true or false');
  return { addresses, ...(version ? { version } : {}), platforms, dryRun };
}
