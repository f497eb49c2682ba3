// Mutation check of the access rule (npm run test:mutation): Stryker mutates server/policy/ and runs
// the tests that prove the rule:
// - test/unit/policy/: the rule on hand-built facts, the SQL filter against ability.can on SQLite,
//   the loaded facts and their cache, explanations and the room gate (5 s for one plain jest run);
// - the differential property suite (test/property/access-rule.property.test.ts) on its fixed seed at
//   PROPERTY_RUNS=8 (set by the npm script: 8 worlds, 4 revocations, 4 expiry steps per mutant run).
// coverageAnalysis perTest: each mutant runs only the tests that reach it. The API suites stay out
// (each is minutes per mutant on two cores); they guard the same rule end to end elsewhere.
// STRYKER_QUICK=1: the unit tests only (what README.md's figures were measured with; see there for
// the duration: each mutant run is a fresh jest run of the files that reach it, seconds apiece).
// Excluded from mutation, line by line with `// Stryker disable … StringLiteral: wording` comments in
// explain-access.ts and room-gate.ts: the prose of explanations, ledger reasons and error messages.
// Rule names, answer codes (nda_required, room_closed, ip_not_allowed, mfa_required), statuses, table
// and column names are mutated. Jest runs in native ESM mode, hence the node flag.
// `npm run test:mutation -- --mutate server/policy/ability.ts` checks one file.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    configFile: 'jest.config.js',
    enableFindRelatedTests: false,
    config: {
      testMatch: process.env.STRYKER_QUICK
        ? ['<rootDir>/test/unit/policy/**/*.test.ts']
        : ['<rootDir>/test/unit/policy/**/*.test.ts', '<rootDir>/test/property/access-rule.property.test.ts'],
    },
  },
  mutate: ['server/policy/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1, // the machine's two cores are shared
  timeoutMS: 60000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  ignorePatterns: ['data', 'client/dist', 'reports', 'bench/results', 'coverage', '.scratch'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
