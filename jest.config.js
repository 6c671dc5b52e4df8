/**
 * ESM jest: middy 6 is ESM-only, so tests run as ES modules through ts-jest.
 *
 * Two projects. `unit`: the pure tests (test/unit), no DynamoDB Local, seconds (`npm run test:unit`).
 * `aws`: everything else, with the global setup that starts one DynamoDB Local for the run and the
 * teardown that checks least privilege and the API contract. Jest runs a project's global setup only
 * when a test of that project is selected, so a unit run starts no java process (checked: it passes
 * with no java on PATH). In package.json `--ci` follows `--selectProjects unit` so that paths given
 * to `npm run test:unit -- <paths>` are not taken as more project names.
 */
const base = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: { ignoreCodes: ['TS151001'] } }],
  },
};

export default {
  // A global option: jest reads it from the top level, not from a project.
  testTimeout: 60000,
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'aws',
      // Every test file outside test/unit. A regex rather than testPathIgnorePatterns, which npm test sets on the command line.
      testRegex: '/test/(?!unit/).+\\.test\\.ts$',
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
