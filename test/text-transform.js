// Jest transform for the `.sh` files the generators import: the module is the file's text, as
// esbuild's text loader makes it in the bundles (scripts/build.mjs). The file is read again
// because jest hands transforms the source with its `#!` line blanked out.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');

const self = readFileSync(__filename, 'utf8');

module.exports = {
  getCacheKey(source, filename) {
    return createHash('sha256').update(self).update(filename).update(readFileSync(filename, 'utf8')).digest('hex');
  },
  process(_source, filename) {
    return { code: `module.exports = ${JSON.stringify(readFileSync(filename, 'utf8'))};` };
  },
};
