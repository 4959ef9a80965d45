// Mocha reporter for scripts/test-all.js: the usual spec output, plus the counts written as JSON
// to $LANDSCAPE_COUNTS_FILE so the runner can total passed/failed across suites.
'use strict';
const fs = require('fs');
const Mocha = require('mocha');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failed = [];
    runner.on('fail', (test, err) => failed.push({ title: test.fullTitle(), err: String(err && err.message) }));
    runner.once('end', () => {
      const file = process.env.LANDSCAPE_COUNTS_FILE;
      if (file)
        fs.writeFileSync(
          file,
          JSON.stringify({
            passed: runner.stats.passes,
            failed: runner.stats.failures,
            pending: runner.stats.pending,
            failedTests: failed,
          }),
        );
    });
  }
}
module.exports = CountReporter;
