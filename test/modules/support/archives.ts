// Builds module uploads for the tests, good and hostile: .tar.gz with tar-stream (any entry type, any name,
// `../` included), .zip with yazl (symlinks through the Unix mode), and byte patches for what yazl refuses to
// write (absolute and `..` names, sizes that lie). Also reads a zip back (name, mode, content) with yauzl.
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import yazl from 'yazl';

export interface TarEntry {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  linkname?: string;
  mode?: number;
}

/** A gzip-compressed tar of `entries`, in order. */
export async function tarGz(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = type === 'file' ? Buffer.from(e.content ?? '') : undefined;
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        ...(e.linkname ? { linkname: e.linkname } : {}),
      };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (content) pack.entry({ ...header, size: content.length }, content, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  return gzipSync(await done);
}

export interface ZipEntryInput {
  name: string;
  content?: string | Buffer;
  /** Full Unix mode including the type bits, e.g. 0o100755 or 0o120777 (symlink: content = target). */
  mode?: number;
}

/** A zip of `entries` (yazl; names must be relative and free of ".."). */
export async function zipOf(entries: ZipEntryInput[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.name.endsWith('/')) zip.addEmptyDirectory(e.name);
    else zip.addBuffer(Buffer.from(e.content ?? ''), e.name, { mode: e.mode ?? 0o100644, mtime: new Date('2024-05-06T07:08:09Z') });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of `from` by `to` (same byte length) in a zip: its local and central headers. */
export function patchBytes(buf: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  if (a.length !== b.length) throw new Error('patchBytes needs equal lengths');
  const out = Buffer.from(buf);
  let found = 0;
  for (let i = out.indexOf(a); i !== -1; i = out.indexOf(a, i + 1)) {
    b.copy(out, i);
    found++;
  }
  if (found === 0) throw new Error(`${from} not found`);
  return out;
}

/**
 * Rewrites the uncompressed size of entry `name` in the central directory to `size`: a zip whose directory
 * lies about how much its data expands to, the classic zip-bomb trick.
 */
export function lieAboutSize(buf: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(buf);
  const sig = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  let patched = 0;
  for (let i = out.indexOf(sig); i !== -1; i = out.indexOf(sig, i + 4)) {
    const nameLength = out.readUInt16LE(i + 28);
    if (out.subarray(i + 46, i + 46 + nameLength).toString('utf8') !== name) continue;
    out.writeUInt32LE(size, i + 24);
    patched++;
  }
  if (patched !== 1) throw new Error(`central directory entry ${name} not found`);
  return out;
}

export interface ReadZipEntry {
  name: string;
  /** Unix mode from the external attributes. */
  mode: number;
  dosDate: number;
  dosTime: number;
  content: Buffer;
}

/** Every entry of a zip, in stored order. */
export async function readZip(buf: Buffer): Promise<ReadZipEntry[]> {
  const zip = await yauzl.fromBufferPromise(buf);
  const out: ReadZipEntry[] = [];
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const c of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(c);
    out.push({
      name: entry.fileName,
      mode: entry.externalFileAttributes >>> 16,
      dosDate: entry.lastModFileDate,
      dosTime: entry.lastModFileTime,
      content: Buffer.concat(chunks),
    });
  }
  zip.close();
  return out;
}

/** A minimal module: one output, plus whatever else is given. */
export function moduleFiles(version: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'main.tf': `variable "greeting" {\n  type    = string\n  default = "hello"\n}\n\noutput "version" {\n  value = "${version}"\n}\n\noutput "message" {\n  value = "\${var.greeting} from ${version}"\n}\n`,
    'README.md': `# Test module ${version}\n\nOnly outputs.\n`,
    ...extra,
  };
}
