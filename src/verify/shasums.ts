// Parses a provider release's SHA256SUMS document (sha256sum / shasum output), which providers.v1 clients
// match against `filename` + `shasum` and whose zh: hashes lock files record (docs/design/protocols.md §4.3, §4.5).
import { VerifyError } from './errors.js';

const LINE_RE = /^([0-9a-fA-F]{64}) [ *](.+)$/;

/**
 * Parses `<64 hex><two spaces | space+*><filename>` lines into filename -> lowercase hex. A final newline
 * is fine and CRLF line ends are tolerated (Terraform splits on whitespace); anything else (blank lines,
 * escaped or whitespace-holding names, duplicates) is a VerifyError BAD_SHASUMS naming the line.
 */
export function parseShasums(document: Buffer | string): Map<string, string> {
  const text = typeof document === 'string' ? document : document.toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new VerifyError('BAD_SHASUMS', 'SHA256SUMS is empty');
  const sums = new Map<string, string>();
  lines.forEach((rawLine, i) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const bad = (why: string): VerifyError => new VerifyError('BAD_SHASUMS', `SHA256SUMS line ${i + 1}: ${why}`);
    if (line === '') throw bad('blank line');
    const m = LINE_RE.exec(line);
    if (!m) throw bad(`expected "<64 hex digits>  <file name>", got ${JSON.stringify(line.slice(0, 120))}`);
    const [, hex, name] = m as unknown as [string, string, string];
    if (/\s/.test(name)) throw bad(`file name ${JSON.stringify(name)} contains whitespace`);
    if (sums.has(name)) throw bad(`${name} is listed twice`);
    sums.set(name, hex.toLowerCase());
  });
  return sums;
}
