// Mutation check of the access rule (npm run test:mutation): Stryker mutates server/policy/ and runs
// the tests that prove the rule — the differential property suites (on a fixed seed, fewer worlds:
// a mutant that survives them at this size is reported, not hidden by chance) and the API tests of
// the explanation and revocation (the slower API suites — the authorization matrix, hidden-is-404 —
// stay out: a mutant run would take hours on two cores). Jest runs in native ESM mode, hence the
// node flag. `npm run test:mutation -- --mutate server/policy/ability.ts` checks one file.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    configFile: 'jest.config.js',
    enableFindRelatedTests: false,
    config: {
      // STRYKER_QUICK=1: only the differential suite (minutes per file instead of hours).
      testMatch: process.env.STRYKER_QUICK ? ['<rootDir>/test/property/access-rule.property.test.ts'] : [
        '<rootDir>/test/property/**/*.test.ts',
        '<rootDir>/test/api/access-explain.test.ts',
        '<rootDir>/test/api/revocation.test.ts',
      ],
    },
  },
  mutate: ['server/policy/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1, // the machine's two cores are shared
  timeoutMS: 120000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  ignorePatterns: ['data', 'client/dist', 'reports', 'bench/results', 'coverage'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
