// Lists the repositories of an image-layout store (paths.ts): every directory under `<root>/<under>` that
// holds an `oci-layout` file. The image-layout store's answer to a registry's /v2/_catalog, for reading a
// whole store carried across an air gap.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OCI_LAYOUT_FILE } from './paths.js';

/** Repository names under `under` (e.g. "tf/providers"), sorted; none when the directory is absent. */
export async function listLayoutRepositories(root: string, under: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, name: string, depth: number): Promise<void> => {
    if (depth > 16) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    if (entries.some((e) => e.isFile() && e.name === OCI_LAYOUT_FILE)) out.push(name);
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'blobs') continue;
      await walk(join(dir, e.name), name === '' ? e.name : `${name}/${e.name}`, depth + 1);
    }
  };
  const start = under.replace(/^\/+|\/+$/g, '');
  const dir = start === '' ? root : join(root, ...start.split('/'));
  if (!(await stat(dir).catch(() => null))?.isDirectory()) return [];
  await walk(dir, start, 0);
  return out.sort();
}
