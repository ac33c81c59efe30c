// The rules a module upload must pass, whatever its archive format (zip or tar.gz): every entry name is
// checked and normalized, every entry type judged, the limits counted, and the result checked as a module
//. Problems are collected, so the publisher sees every refused entry at once; a passed limit
// stops the upload at once (LimitExceededError -> 413). Pure bookkeeping: the readers feed it.
import type { Readable } from 'node:stream';
import { LimitExceededError } from '../core/byte-limit.js';
import type { ModuleLimits } from './types.js';

/** What an archive entry is, as far as the module rules care. */
export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';

/** One regular file of the module. */
export interface TreeFile {
  /** Normalized path relative to the module root: "/"-separated, no "." or empty segments. */
  path: string;
  /** Uncompressed size, as declared by the archive (the readers enforce it while streaming). */
  size: number;
  /** Any execute bit was set in the archive (kept as 0755, everything else becomes 0644). */
  executable: boolean;
  /** Opens the file's content: exactly `size` bytes, or a stream error. */
  open(): Promise<Readable>;
}

/** A module configuration file: tofu and terraform read these from the module root. */
const CONFIG_FILE_RE = /\.(?:tf|tofu)(?:\.json)?$/;

const KIND_NAMES: Record<Exclude<EntryKind, 'file' | 'directory'>, string> = {
  symlink: 'symbolic links are not allowed (only regular files and directories)',
  hardlink: 'hard links are not allowed (only regular files and directories)',
  device: 'device files are not allowed (only regular files and directories)',
  fifo: 'named pipes are not allowed (only regular files and directories)',
  other: 'unsupported entry type (only regular files and directories)',
};

export class PackageTree {
  readonly #limits: ModuleLimits;
  readonly #files = new Map<string, TreeFile>();
  readonly #folded = new Map<string, string>();
  readonly #problems: string[] = [];
  #entries = 0;
  #bytes = 0;
  /** The archive itself could not be read to its end: judging its contents would only add noise. */
  #unreadable = false;

  constructor(limits: ModuleLimits) {
    this.#limits = limits;
  }

  /**
   * Judges one entry. Returns the normalized path of a file to keep, or null (a directory, or a refused
   * entry whose problem was recorded). Throws LimitExceededError past the entry, file or total limits.
   */
  admit(raw: string, kind: EntryKind, size: number): string | null {
    if (++this.#entries > this.#limits.maxEntries) {
      throw new LimitExceededError(`the archive holds more than ${this.#limits.maxEntries} entries`);
    }
    const named = checkEntryName(raw);
    if ('problem' in named) return this.#refuse(raw, named.problem);
    if (kind === 'directory') return null;
    if (kind !== 'file') return this.#refuse(raw, KIND_NAMES[kind]);
    const path = named.path;
    if (path === '') return this.#refuse(raw, 'a file entry without a name');
    if (size > this.#limits.maxFileBytes) {
      throw new LimitExceededError(`${path} is ${size} bytes, over the per-file limit of ${this.#limits.maxFileBytes} bytes`);
    }
    this.#bytes += size;
    if (this.#bytes > this.#limits.maxUnpackedBytes) {
      throw new LimitExceededError(
        `the module's files add up to more than the limit of ${this.#limits.maxUnpackedBytes} bytes (reached at ${path})`,
      );
    }
    if (this.#files.has(path)) return this.#refuse(raw, 'appears more than once in the archive');
    const folded = path.toLowerCase();
    const twin = this.#folded.get(folded);
    if (twin !== undefined)
      return this.#refuse(raw, `differs from ${twin} only in letter case (they collide on case-insensitive file systems)`);
    this.#folded.set(folded, path);
    return path;
  }

  /** Keeps a file admitted by {@link admit}. */
  add(file: TreeFile): void {
    this.#files.set(file.path, file);
  }

  /** Records a problem that is not about one entry's name (an encrypted entry, a compression method). */
  problem(message: string): void {
    this.#problems.push(message);
  }

  /** Records that the archive could not be read to its end (not a zip, a truncated gzip, a damaged tar). */
  unreadable(message: string): void {
    this.#unreadable = true;
    this.#problems.push(message);
  }

  /**
   * The module's files sorted byte-wise by path, or every problem found. A single top-level directory
   * wrapping everything (`tar -czf m.tar.gz my-module/`, GitHub source archives) is unwrapped when the
   * module root is inside it.
   */
  finish(): { files: TreeFile[]; unpackedBytes: number; problems: string[] } {
    const problems = [...this.#problems];
    let files = [...this.#files.values()];
    for (const f of files) {
      const segments = f.path.split('/');
      for (let i = 1; i < segments.length; i++) {
        const parent = segments.slice(0, i).join('/');
        if (this.#files.has(parent)) problems.push(`${parent}: is both a file and a directory in the archive`);
      }
    }
    files = unwrap(files);
    if (!this.#unreadable && !files.some((f) => !f.path.includes('/') && CONFIG_FILE_RE.test(f.path))) {
      problems.push(noRootConfig(files));
    }
    files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
    return { files, unpackedBytes: this.#bytes, problems };
  }

  #refuse(raw: string, why: string): null {
    this.#problems.push(`${JSON.stringify(raw)}: ${why}`);
    return null;
  }
}

/**
 * Checks an archive member name: relative, "/"-separated, no "..", no backslash, no control characters.
 * Returns the normalized path ("./a//b/" -> "a/b"; "" for the root directory itself).
 */
export function checkEntryName(raw: string): { path: string } | { problem: string } {
  if (raw === '') return { problem: 'empty name' };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return { problem: 'absolute paths are not allowed' };
  if (raw.includes('\\')) return { problem: 'backslashes are not allowed in names (use "/" as the separator)' };
  if (/[\u0000-\u001f\u007f]/.test(raw)) return { problem: 'control characters are not allowed in names' };
  const segments = raw.split('/');
  if (segments.includes('..')) return { problem: '".." is not allowed in paths (it would escape the module directory)' };
  const path = segments.filter((s) => s !== '' && s !== '.').join('/');
  // "./C:/a" is "C:/a" once normalized: a drive letter, refused like the raw form (found by a property test).
  if (/^[A-Za-z]:/.test(path)) return { problem: 'absolute paths are not allowed' };
  return { path };
}

function unwrap(files: TreeFile[]): TreeFile[] {
  if (files.length === 0 || files.some((f) => !f.path.includes('/'))) return files;
  const top = files[0]!.path.split('/')[0]!;
  if (!files.every((f) => f.path.startsWith(`${top}/`))) return files;
  const inner = files.map((f) => ({ ...f, path: f.path.slice(top.length + 1) }));
  return inner.some((f) => !f.path.includes('/') && CONFIG_FILE_RE.test(f.path)) ? inner : files;
}

function noRootConfig(files: TreeFile[]): string {
  const base = 'the module has no .tf or .tofu file at its root: the archive root must be the module directory';
  if (files.length === 0) return `${base} (the archive holds no files)`;
  const nested = files.find((f) => CONFIG_FILE_RE.test(f.path));
  if (nested) return `${base} (found ${nested.path}, inside a directory)`;
  const sample = files
    .slice(0, 5)
    .map((f) => f.path)
    .join(', ');
  return `${base} (it holds ${sample}${files.length > 5 ? ', …' : ''})`;
}
