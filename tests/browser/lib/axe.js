// Runs axe-core in the page and fails with every violation listed. The context must have been made with
// bypassCSP: true (lib/browser.js does): the pages' CSP blocks the injected inline script otherwise.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe in `page` and returns its violations (all rules axe enables by default). */
async function axeViolations(page, options = {}) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const results = await page.evaluate(
    (runOptions) => window.axe.run(document, runOptions),
    { resultTypes: ['violations'], ...options },
  );
  return results.violations;
}

/** Formats violations for a person: id, impact, help, help URL and each offending node's target. */
function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((node) => `    - ${JSON.stringify(node.target)}: ${node.failureSummary ? node.failureSummary.replace(/\s*\n\s*/g, ' ') : ''}`)
        .join('\n');
      return `  ${v.id} (${v.impact}): ${v.help}\n    ${v.helpUrl}\n${nodes}`;
    })
    .join('\n');
}

/** Asserts that axe finds no violation on the page as it is now; `label` names the page in the message. */
async function expectNoAxeViolations(page, label = page.url(), options = {}) {
  const violations = await axeViolations(page, options);
  if (violations.length > 0) {
    const report = `axe found ${violations.length} violation(s) on ${label} (${page.url()}):\n${formatViolations(violations)}`;
    // Printed as well, so that the list is in the log even when the assertion message is cut.
    console.error(report);
    assert.fail(report);
  }
}

module.exports = { axeViolations, expectNoAxeViolations, formatViolations };
