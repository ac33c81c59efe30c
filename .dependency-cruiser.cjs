// Import rules of tf-oci-registry, checked by `npm run lint:deps` (part of `npm test`).
// Each folder of src/ has one job and imports only the folders below it (README, "Development"):
// a folder listed here may import itself and the folders in its `may` list, nothing else of src/.
// Feature folders are siblings: none imports another; what two features share moves down.
const FEATURES = ['providers', 'downloads', 'publishing', 'modules', 'mirror', 'usage', 'web', 'store-check'];
const LAYERS = {
  oci: [],
  verify: [],
  layout: ['oci'],
  upstream: ['verify', 'layout', 'oci'],
  core: ['oci', 'layout', 'verify'],
  'read-cache': ['core', 'oci', 'layout'],
  'provider-store': ['read-cache', 'core', 'oci', 'layout', 'verify'],
  ...Object.fromEntries(
    FEATURES.map((f) => [f, ['provider-store', 'read-cache', 'core', 'oci', 'layout', 'verify', 'upstream']]),
  ),
  auth: ['core', 'oci'],
  metrics: ['core', 'oci'],
  http: [...FEATURES, 'auth', 'core', 'layout'],
  config: ['auth', 'layout', 'core', 'oci'],
  'publish-client': ['verify', 'layout', 'core', 'oci'],
  wiring: ['http', 'config', 'auth', 'metrics', ...FEATURES, 'provider-store', 'read-cache', 'core', 'upstream', 'oci', 'layout', 'verify'],
  cli: ['wiring', 'config', 'publish-client', ...FEATURES, 'core', 'upstream', 'oci', 'layout', 'verify'],
};
const alt = (names) => `(${names.map((n) => n.replace(/[-]/g, '\\-')).join('|')})`;

const layerRules = Object.entries(LAYERS).map(([folder, may]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder}/ may import only ${may.length ? may.map((m) => `src/${m}/`).join(', ') : 'nothing else of src/'}`,
  severity: 'error',
  from: { path: `^src/${folder}/`, pathNot: '\\.test\\.tsx?$' },
  to: { path: '^src/', pathNot: `^src/${alt([folder, ...may])}/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'known-folders-only',
      comment: 'every folder of src/ has a layer in .dependency-cruiser.cjs (a new folder needs its rule)',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${Object.keys(LAYERS).map((n) => n.replace(/-/g, '\\-')).join('|')})/|^src/main\\.ts$|\\.test\\.ts$` },
      to: {},
    },
    {
      name: 'main-only-cli',
      comment: 'src/main.ts is the process entry: it hands argv and env to src/cli/',
      severity: 'error',
      from: { path: '^src/main\\.ts$' },
      to: { path: '^src/', pathNot: '^src/cli/' },
    },
    {
      name: 'no-test-code-in-src',
      comment: 'production code never imports tests, fixtures or benchmarks',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
