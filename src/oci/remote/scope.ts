// Token scopes of the Distribution token protocol ("repository:<name>:<action>[,<action>]"), cleaned the
// way oras-go does it: actions of the same resource merged, de-duplicated and sorted, "*" absorbing the
// rest, scopes sorted, so that a list of scopes is a deterministic token-cache key.
// Reference: https://distribution.github.io/distribution/spec/auth/scope/

export const ACTION_PULL = 'pull';
export const ACTION_PUSH = 'push';
export const ACTION_DELETE = 'delete';

function cleanActions(actions: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const a of actions) {
    const t = a.trim();
    if (t === '*') return ['*'];
    if (t !== '') set.add(t);
  }
  return [...set].sort();
}

/** `repository:<name>:<actions>`; the empty string when there is no action. */
export function repositoryScope(repository: string, ...actions: string[]): string {
  const clean = cleanActions(actions);
  if (repository === '' || clean.length === 0) return '';
  return `repository:${repository}:${clean.join(',')}`;
}

/** Splits a challenge's space-separated `scope` parameter. */
export function splitScopes(scopeParam: string | undefined): string[] {
  return scopeParam === undefined ? [] : scopeParam.split(' ').filter((s) => s !== '');
}

/**
 * Merges, de-duplicates and sorts scopes. Scopes that do not have the `type:name:actions` shape are kept
 * verbatim; a scope with an empty action list is dropped. Names may contain ":" (e.g. a host with a
 * port), so the type ends at the first ":" and the actions start after the last one.
 */
export function cleanScopes(scopes: Iterable<string>): string[] {
  const verbatim = new Set<string>();
  const merged = new Map<string, Set<string>>(); // "type:name" -> actions
  for (const scope of scopes) {
    if (scope === '') continue;
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first === -1 || last === first) {
      verbatim.add(scope);
      continue;
    }
    const actions = scope.slice(last + 1);
    if (actions === '') continue;
    const resource = scope.slice(0, last);
    let set = merged.get(resource);
    if (!set) merged.set(resource, (set = new Set()));
    for (const a of actions.split(',')) set.add(a);
  }
  const out = [...verbatim];
  for (const [resource, actions] of merged) {
    const clean = cleanActions(actions);
    if (clean.length > 0) out.push(`${resource}:${clean.join(',')}`);
  }
  return out.sort();
}
