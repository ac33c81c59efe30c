// Removes temp files a crashed process left behind (issue 17 item 8): in ONE directory (the server's own
// temp dir), only names with one of the given prefixes, only files not modified for `olderThanMs`. A
// running upload touches its spooled files whenever it renews its lease (publishing/upload-lease.ts), so a
// file older than the lease belongs to no running upload, in this process or another on the same host.
import { readdir, rm, stat, utimes } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * The one sweep of `dir`: for each entry with one of the prefixes, `lastUse` gives its last use (ms) or
 * undefined when it is not of the kind swept; entries last used before `now - olderThanMs` are removed.
 * A missing directory, or an entry gone meanwhile (its upload finished), is no error. Returns the names.
 */
async function sweep(
  dir: string,
  prefixes: readonly string[],
  olderThanMs: number,
  now: number,
  lastUse: (path: string) => Promise<number | undefined>,
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    const path = join(dir, name);
    try {
      const used = await lastUse(path);
      if (used === undefined || used > now - olderThanMs) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone meanwhile: nothing to do
    }
  }
  return removed;
}

/**
 * Deletes the stale files, except those named in `inUse` (this process's own, whatever their age);
 * returns their names. A missing directory is no error.
 */
export function sweepStaleFiles(
  dir: string,
  prefixes: readonly string[],
  olderThanMs: number,
  now: number,
  inUse: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  return sweep(dir, prefixes, olderThanMs, now, async (path) => {
    if (inUse.has(basename(path))) return undefined;
    const s = await stat(path);
    return s.isFile() ? s.mtimeMs : undefined;
  });
}

/** Marks `files` as in use now (their mtime), so no sweep takes them. Missing files are skipped. */
export async function touchFiles(files: Iterable<string>, now: Date): Promise<void> {
  await Promise.all([...files].map((f) => utimes(f, now, now).catch(() => undefined)));
}

/**
 * Deletes stale directories (a module upload's work directory): those with one of the prefixes whose
 * own mtime and whose files' mtimes are all older than `olderThanMs`. Returns their names.
 */
export function sweepStaleDirectories(dir: string, prefixes: readonly string[], olderThanMs: number, now: number): Promise<string[]> {
  return sweep(dir, prefixes, olderThanMs, now, async (path) => {
    const s = await stat(path);
    if (!s.isDirectory()) return undefined;
    let newest = s.mtimeMs;
    for (const child of await readdir(path)) newest = Math.max(newest, (await stat(join(path, child)).catch(() => s)).mtimeMs);
    return newest;
  });
}
