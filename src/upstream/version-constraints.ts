// Terraform version constraints (https://developer.hashicorp.com/terraform/language/expressions/version-constraints):
// comma-separated `=`, `!=`, `>`, `>=`, `<`, `<=`, `~>` or a bare version, all of which must hold. `~>` allows
// only the right-most given component to grow: `~> 1.2` = >= 1.2.0, < 2.0.0; `~> 1.2.3` = >= 1.2.3, < 1.3.0
// (npm's `~` differs). Partial versions are padded with zeros. A prerelease version matches only when it is
// named exactly (`= 1.2.0-beta1` or `1.2.0-beta1`), as the page above says. Ordering is semver's.
import type { SemVer } from 'semver';
import semverCompare from 'semver/functions/compare.js';
import semverParse from 'semver/functions/parse.js';
import semverPrerelease from 'semver/functions/prerelease.js';
import semverValid from 'semver/functions/valid.js';
import { UpstreamError } from './errors.js';

export type ConstraintOperator = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~>';

export interface VersionConstraint {
  operator: ConstraintOperator;
  /** The boundary, padded to three components (e.g. "1.2.0"). */
  version: string;
  /** How many numeric components were written (decides `~>`). */
  components: 1 | 2 | 3;
}

export interface VersionMatcher {
  /** The constraint string as given. */
  readonly text: string;
  readonly constraints: readonly VersionConstraint[];
  /** Whether `version` (a semver string) meets every constraint. Non-semver strings never match. */
  matches(version: string): boolean;
}

const ITEM_RE = /^(!=|>=|<=|~>|=|>|<)?\s*(v)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** True for a semver 2.0 version as registries write them (no "v" prefix, no spaces). */
export function isVersion(text: string): boolean {
  return /^\d/.test(text) && semverValid(text) !== null && !/\s/.test(text);
}

function parseItem(raw: string, whole: string): VersionConstraint {
  const item = raw.trim();
  const bad = (why: string) => new UpstreamError('BAD_INPUT', `version constraint ${JSON.stringify(whole)}: ${why}`);
  if (item === '') throw bad('empty constraint between commas');
  if (/^(=<|=>)/.test(item)) throw bad(`invalid operator "${item.slice(0, 2)}" (did you mean "${item[1]}${item[0]}"?)`);
  const m = ITEM_RE.exec(item);
  if (!m) throw bad(`cannot parse ${JSON.stringify(item)}; expected e.g. "~> 1.2", ">= 1.0.0" or "1.2.3"`);
  const [, op, v, major, minor, patch, pre = '', build = ''] = m;
  if (v !== undefined) throw bad(`a "v" prefix is not allowed in ${JSON.stringify(item)}`);
  const components = (patch !== undefined ? 3 : minor !== undefined ? 2 : 1) as 1 | 2 | 3;
  const version = `${major}.${minor ?? '0'}.${patch ?? '0'}${pre}${build}`;
  if (semverValid(version) === null) throw bad(`${JSON.stringify(item)} is not a valid version`);
  return { operator: (op ?? '=') as ConstraintOperator, version, components };
}

/** Parses a constraint string; "" (or only spaces) matches every release. UpstreamError BAD_INPUT when it does not parse. */
export function parseVersionConstraints(text: string): VersionMatcher {
  const constraints = text.trim() === '' ? [] : text.split(',').map((item) => parseItem(item, text));
  return { text, constraints, matches: (version: string) => meetsAll(constraints, version) };
}

function meets(c: VersionConstraint, version: string): boolean {
  const cmp = semverCompare(version, c.version);
  switch (c.operator) {
    case '=':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '~>': {
      if (cmp < 0) return false;
      const b = semverParse(c.version) as SemVer;
      const upper = c.components === 3 ? `${b.major}.${b.minor + 1}.0` : `${b.major + 1}.0.0`;
      return semverCompare(version, upper) < 0;
    }
  }
}

function meetsAll(constraints: readonly VersionConstraint[], version: string): boolean {
  if (!isVersion(version)) return false;
  if (semverPrerelease(version) !== null) {
    const named = constraints.some((c) => c.operator === '=' && semverCompare(version, c.version) === 0);
    if (!named) return false;
  }
  return constraints.every((c) => meets(c, version));
}

/** Sorts versions oldest first (semver precedence; build metadata does not order). Non-semver strings are dropped. */
export function sortVersions(versions: Iterable<string>): string[] {
  return [...versions].filter(isVersion).sort(semverCompare);
}

/** The newest of `versions` that `matcher` accepts, or undefined. */
export function newestMatching(versions: Iterable<string>, matcher: VersionMatcher): string | undefined {
  return sortVersions(versions)
    .filter((v) => matcher.matches(v))
    .at(-1);
}
