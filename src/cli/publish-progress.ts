// Progress of `publish` on stderr: the steps as plain lines, the upload as a cli-progress bar on a terminal,
// or as one line per file sent when stderr is not a terminal (CI logs).
import cliProgress from 'cli-progress';
import type { PublishEvents } from '../publish-client/publish-provider.js';
import type { LocalFile } from '../publish-client/release-directory.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const MB = 1024 * 1024;
export const formatBytes = (n: number): string =>
  n >= MB ? `${(n / MB).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} bytes`;

export function publishProgress(stderr: ProgressStream): PublishEvents & { stop(): void } {
  const line = (s: string) => stderr.write(`publish: ${s}\n`);
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let sent = 0;
  const perFile = new Map<string, number>();
  return {
    step: line,
    found(r) {
      const names = [`${r.zips.length} zip(s)`, ...(r.manifest ? ['manifest'] : []), 'SHA256SUMS', 'SHA256SUMS.sig'];
      line(`found terraform-provider-${r.type} ${r.version} in ${r.dir}: ${names.join(', ')}`);
      if (r.ignored.length > 0) line(`ignored (not release files): ${r.ignored.join(', ')}`);
    },
    uploadStarted(bytes, files: readonly LocalFile[]) {
      total = bytes;
      line(`uploading ${files.length} file(s), ${formatBytes(bytes)}`);
      if (stderr.isTTY) {
        bar = new cliProgress.SingleBar(
          {
            format: ' {bar} {percentage}% | {file} | {sent}/{size} | ETA {eta_formatted}',
            hideCursor: true,
            stream: stderr as NodeJS.WriteStream,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(bytes, 1), 0, { file: '', sent: formatBytes(0), size: formatBytes(bytes) });
      }
    },
    uploadProgress(bytes, file) {
      sent += bytes;
      const mine = (perFile.get(file.filename) ?? 0) + bytes;
      perFile.set(file.filename, mine);
      if (bar) bar.update(sent, { file: file.filename, sent: formatBytes(sent) });
      else if (mine === file.size) line(`sent ${file.filename} (${formatBytes(file.size)})`);
    },
    uploadSent() {
      bar?.update(total, { sent: formatBytes(total) });
      bar?.stop();
      bar = undefined;
      line(`sent ${formatBytes(sent)}; waiting for the server's checks`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
