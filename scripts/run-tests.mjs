// Runs every *.test.ts under src/ and test/ with Node's built-in test runner (through tsx), so that CI
// reads the runner's closing `# pass N` / `# fail N` lines. `--unit` limits the run to src/ (no real
// registry, GnuPG or terraform needed); extra arguments filter file paths by substring.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

let files = walk(join(root, 'src'), []);
if (!unitOnly) files = files.concat(walk(join(root, 'test'), []));
if (filters.length > 0) files = files.filter((f) => filters.some((s) => f.includes(s)));
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}

mkdirSync(join(root, '.tmp'), { recursive: true });
// One TAP file per run: runs at the same time (a developer's and a helper's) must not mix their totals.
const tapFile = join(root, '.tmp', `test-results-${process.pid}.tap`);
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    '--test-concurrency=2',
    // Each test FILE fails after 20 minutes (Node applies the timeout to the file as a whole): a test that
    // waits forever (a stream that never settles while a registry child keeps the process alive) then
    // fails with a name instead of holding CI until its deadline. The longest file, the GoReleaser
    // examples, takes about 4 minutes here.
    '--test-timeout=1200000',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
);
child.on('exit', (code, signal) => {
  // The closing line CI reads: counts from the TAP summary of the same run.
  let tap = '';
  try {
    tap = readFileSync(tapFile, 'utf8');
  } catch {
    /* runner died before writing */
  }
  rmSync(tapFile, { force: true });
  const count = (k) => Number((tap.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  // A test cancelled (its suite's before hook failed, or it timed out) did not pass: it counts as failed.
  const cancelled = count('cancelled');
  const failed = `${count('fail') + cancelled} failed${cancelled > 0 ? ` (${cancelled} cancelled)` : ''}`;
  console.log(`\n${count('pass')} passed, ${failed}, ${count('skipped')} skipped`);
  process.exit(code ?? (signal ? 1 : 0));
});
