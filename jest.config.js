/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/packages'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': '@sucrase/jest-plugin', '^.+\\.sh$': '<rootDir>/test/text-transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
