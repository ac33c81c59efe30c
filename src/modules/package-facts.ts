// Facts about a module package shown by the publishing API: the root README
// and the names of the root module's input variables and outputs. The scan is deliberately plain (block
// headers at the start of a line, comments removed); it is informative, never used to refuse an upload.
import type { TreeFile } from './package-tree.js';

/** Largest README kept in a version record (records travel inside an OCI manifest, 4 MiB at most). */
export const README_MAX_BYTES = 64 * 1024;
/** Root .tf files larger than this are not scanned for variables and outputs. */
const SCAN_MAX_BYTES = 1024 * 1024;

export interface PackageFacts {
  readme: string | null;
  inputs: string[];
  outputs: string[];
}

async function readHead(file: TreeFile, max: number): Promise<Buffer> {
  const stream = await file.open();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= max) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max);
}

/** Names declared by `<keyword> "<name>"` block headers in HCL text (comments removed first). */
export function scanBlockNames(hcl: string, keyword: 'variable' | 'output'): string[] {
  const text = hcl.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*(?:#|\/\/).*$/gm, '');
  const re = new RegExp(`^\\s*${keyword}\\s+"([A-Za-z_][A-Za-z0-9_-]*)"\\s*\\{`, 'gm');
  return [...text.matchAll(re)].map((m) => m[1]!);
}

/** Reads README.md (any letter case) and scans the root `.tf` / `.tofu` files. */
export async function packageFacts(files: readonly TreeFile[]): Promise<PackageFacts> {
  const root = files.filter((f) => !f.path.includes('/'));
  const readmeFile = root.find((f) => f.path.toLowerCase() === 'readme.md');
  let readme: string | null = null;
  if (readmeFile) {
    const bytes = await readHead(readmeFile, README_MAX_BYTES);
    // Cut at the last complete line so a truncated multi-byte character never shows.
    readme = readmeFile.size > README_MAX_BYTES ? `${bytes.toString('utf8').replace(/\n[^\n]*$/, '')}\n…` : bytes.toString('utf8');
  }
  const inputs = new Set<string>();
  const outputs = new Set<string>();
  for (const f of root) {
    if (!/\.(?:tf|tofu)$/.test(f.path) || f.size > SCAN_MAX_BYTES) continue;
    const text = (await readHead(f, SCAN_MAX_BYTES)).toString('utf8');
    for (const n of scanBlockNames(text, 'variable')) inputs.add(n);
    for (const n of scanBlockNames(text, 'output')) outputs.add(n);
  }
  return { readme, inputs: [...inputs].sort(), outputs: [...outputs].sort() };
}
