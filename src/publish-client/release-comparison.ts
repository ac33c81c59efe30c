// Idempotency: is the published version the same release as the local files? Same when the published
// SHA256SUMS text equals the local one and every published zip has the local zip's name and SHA-256 (the
// signature may differ: signing the same checksums again makes new signature bytes).
import { readFile } from 'node:fs/promises';
import type { ApiDocument } from './api-client.js';
import { sha256File } from './file-digest.js';
import type { LocalRelease } from './release-directory.js';

/** Every difference between the published version `remote` (a provider-versions resource) and `local`; empty when the same. */
export async function releaseDifferences(local: LocalRelease, remote: ApiDocument): Promise<string[]> {
  const attrs = remote.attributes ?? {};
  const published = new Map<string, string>(
    ((attrs.platforms ?? []) as Array<{ filename: string; shasum: string }>).map((p) => [p.filename, p.shasum]),
  );
  const out: string[] = [];
  for (const zip of local.zips) {
    const theirs = published.get(zip.filename);
    const ours = await sha256File(zip.path);
    if (theirs === undefined) out.push(`${zip.filename}: not in the published version`);
    else if (theirs !== ours) out.push(`${zip.filename}: published sha256 ${theirs}, local file ${ours}`);
    published.delete(zip.filename);
  }
  for (const name of published.keys()) out.push(`${name}: published, but not in ${local.dir}`);
  const sums = (await readFile(local.shasums.path, 'utf8')).replace(/\r\n/g, '\n');
  if (typeof attrs.shasums === 'string' && attrs.shasums.replace(/\r\n/g, '\n') !== sums) {
    out.push(`${local.shasums.filename}: differs from the published one`);
  }
  return out;
}
