// The server's own permissions (service-credential mode), named as in the baseline's permission table
// (docs/design/publishing-baseline.md#permissions: providers:*, provider-versions:*, gpg-keys:*, plus modules:* for modules.v1),
// and the parsing of permission lists in token entries ("providers:read", "providers:*", "*").
export const PERMISSIONS = [
  'providers:read',
  'providers:create',
  'providers:update',
  'providers:delete',
  'provider-versions:create',
  'provider-versions:delete',
  'gpg-keys:read',
  'gpg-keys:create',
  'gpg-keys:update',
  'gpg-keys:delete',
  'modules:read',
  'modules:create',
  'modules:delete',
  // Mirror population (docs/mirror.md): start imports, and read their status.
  'mirror:read',
  'mirror:write',
  // Usage reports (docs/operations.md#usage).
  'usage:read',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** What anonymous callers may do when `auth.anonymous_read = true`: read, never write. */
export const ANONYMOUS_READ: readonly Permission[] = ['providers:read', 'modules:read'];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/**
 * Expands a configured permission list: exact names, `<group>:*` (every permission of that group, as
 * docs/design/publishing-baseline.md#permissions writes "providers:*") and `*` (all). Throws an Error naming the first unknown entry.
 */
export function expandPermissions(list: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const entry of list) {
    if (entry === '*') {
      for (const p of PERMISSIONS) out.add(p);
      continue;
    }
    if (entry.endsWith(':*')) {
      const group = entry.slice(0, -1);
      const matching = PERMISSIONS.filter((p) => p.startsWith(group));
      if (matching.length === 0) throw new Error(`unknown permission group "${entry}"`);
      for (const p of matching) out.add(p);
      continue;
    }
    if (!isPermission(entry)) throw new Error(`unknown permission "${entry}" (known: ${PERMISSIONS.join(', ')})`);
    out.add(entry);
  }
  return out;
}
