// Takes a module upload (the PUT body: a .zip or a .tar.gz of the module directory) into a checked list of
// files, never holding it in memory: the body is spooled to a temp file under the upload limit, its format
// sniffed from the first bytes, and its entries judged by PackageTree (names, types, limits, root .tf).
// Every refusal is an AppError naming the file and the rule; the temp directory is removed on failure,
// and by dispose() on success.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ZipFile } from 'yauzl';
import { AppError } from '../core/app-error.js';
import { LimitExceededError, UploadInterruptedError, shieldBody } from '../core/byte-limit.js';
import { PackageTree, type TreeFile } from './package-tree.js';
import { readTarGzUpload } from './tar-input.js';
import type { ModuleLimits } from './types.js';
import { readZipUpload } from './zip-input.js';

export interface ModuleUploadBody {
  body: Readable;
  /** The request's Content-Length, when sent: refused up front when over the limit. */
  contentLength?: number;
}

export interface IngestedModule {
  format: 'zip' | 'tar.gz';
  /** Sorted byte-wise by path. */
  files: TreeFile[];
  unpackedBytes: number;
  /** A directory for further temp files (the repacked zip); removed by dispose(). */
  workDir: string;
  dispose(): Promise<void>;
}

/** Prefix of an upload's temp directory under the server's temp dir (swept when stale: module-versions.ts). */
export const MODULE_WORK_DIR_PREFIX = 'module-upload-';

/** A fresh work directory name for one upload. */
export function moduleWorkDir(tmpDir: string): string {
  return join(tmpDir, `${MODULE_WORK_DIR_PREFIX}${randomUUID()}`);
}

/** Writes the body to `file` through the upload limit, without ever destroying the request itself. */
async function spool(body: Readable, file: string, max: number): Promise<number> {
  const shielded = shieldBody(body, max, 'the upload');
  try {
    await pipeline(shielded.stream, createWriteStream(file));
    return shielded.stream.count;
  } finally {
    shielded.release();
  }
}

async function sniff(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(265);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function formatOf(head: Buffer): 'zip' | 'tar.gz' {
  if (head.length === 0)
    throw new AppError('VALIDATION_FAILED', 'the upload is empty: send the .zip or .tar.gz of the module directory as the request body');
  const magic = head.subarray(0, 4).toString('latin1');
  if (magic === 'PK\x03\x04' || magic === 'PK\x05\x06') return 'zip';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  if (head.subarray(257, 262).toString('latin1') === 'ustar') {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'the upload is an uncompressed tar archive: compress it with gzip (tar -czf module.tar.gz -C <module dir> .) or send a .zip',
    );
  }
  throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'the upload is neither a zip archive nor a gzip-compressed tar archive (.tar.gz)');
}

/**
 * Reads and checks an upload. Throws 413 (a limit), 415 (not a zip or tar.gz), 422 (every problem found,
 * one JSON:API error each), 400 (the client hung up).
 */
export async function ingestModuleUpload(
  upload: ModuleUploadBody,
  limits: ModuleLimits,
  tmpDir: string,
  workDir: string = moduleWorkDir(tmpDir),
): Promise<IngestedModule> {
  if (upload.contentLength !== undefined && upload.contentLength > limits.maxUploadBytes) {
    upload.body.resume();
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `the upload is ${upload.contentLength} bytes, over the limit of ${limits.maxUploadBytes} bytes`,
    );
  }
  let zip: ZipFile | null = null;
  const dispose = async (): Promise<void> => {
    zip?.close();
    zip = null;
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    await mkdir(workDir, { recursive: true });
    const uploadFile = join(workDir, 'upload');
    await spool(upload.body, uploadFile, limits.maxUploadBytes);
    const format = formatOf(await sniff(uploadFile));
    const tree = new PackageTree(limits);
    if (format === 'zip') zip = await readZipUpload(uploadFile, tree);
    else await readTarGzUpload(uploadFile, workDir, tree, limits);
    const { files, unpackedBytes, problems } = tree.finish();
    if (problems.length > 0) {
      const n = problems.length;
      throw new AppError('VALIDATION_FAILED', `the module archive was refused (${n} problem${n === 1 ? '' : 's'}): ${problems[0]}`, {
        details: problems.slice(1, 50),
      });
    }
    return { format, files, unpackedBytes, workDir, dispose };
  } catch (err) {
    await dispose();
    if (err instanceof LimitExceededError)
      throw new AppError('PAYLOAD_TOO_LARGE', `the module archive was refused: ${err.message}`, { cause: err });
    if (err instanceof UploadInterruptedError)
      throw new AppError('BAD_REQUEST', `the upload was interrupted: ${err.message}`, { cause: err });
    throw err;
  }
}
