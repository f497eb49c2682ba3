// Jest runs the TypeScript sources as native ES modules through SWC (no type-check here:
// `npm run typecheck` does that once for the whole tree).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022' },
      module: { type: 'es6' },
    }],
  },
  // Sources import './x.js' (NodeNext style); map those back to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  // Stryker's sandboxes are copies of the project: never a second "gatehouse" package to jest.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  testTimeout: 30000,
  // A test waits on child processes (LibreOffice, qpdf, tesseract), the database and its own server
  // for much of its time: a worker per core keeps both cores busy (jest's default leaves one idle).
  maxWorkers: '100%',
};
