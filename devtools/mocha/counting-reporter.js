// Mocha's spec output, then what every CI record needs: the Node version that ran, the ten slowest tests (so a slow
// suite is visible where it is slow) and, last, the line "N passed, N failed".
"use strict";
const Mocha = require("mocha");

const SLOWEST = 10;

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const timings = [];
    runner.once("start", () => process.stdout.write(`node ${process.version}\n`));
    runner.on("test end", (test) => {
      if (typeof test.duration === "number") timings.push({ title: test.fullTitle(), ms: test.duration });
    });
    runner.once("end", () => {
      const slowest = timings.sort((a, b) => b.ms - a.ms).slice(0, SLOWEST);
      process.stdout.write(`\nSlowest ${slowest.length} tests:\n`);
      for (const { title, ms } of slowest)
        process.stdout.write(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${title}\n`);
      const { passes, failures, pending } = runner.stats;
      const skipped = pending ? `, ${pending} skipped` : "";
      process.stdout.write(`\n${passes} passed, ${failures} failed${skipped}\n`);
    });
  }
}

module.exports = CountingReporter;
