// The statistics dashboard as a national analyst uses it in the demo: reached from the main menu,
// charts drawn on the server with a table of the same figures beside each, the filter form working
// without JavaScript, nothing refused by the pages' real Content-Security-Policy, and axe finding
// nothing.
'use strict';

const assert = require('node:assert/strict');
const { before, describe, test } = require('node:test');
const { setup } = require('../lib/fixture');
const { expectNoAxeViolations } = require('../lib/axe');
const { saveScreenshot } = require('../lib/screenshot');
const { signInAs } = require('../lib/demo');
const { clickAndWaitForNavigation } = require('../lib/browser');

const env = setup();

// The demo server makes its first figures as it starts; in a debug build that takes a minute or
// more (the suppression of every area and period at once), and the page says "No figures yet" until
// then. Open data needs no sign-in and carries the same freshness.
const FIRST_FIGURES_TIMEOUT_MS = 240_000;

/** Resolves once the demo server has made its first figures (it may still be starting). */
async function firstFigures() {
  const deadline = Date.now() + FIRST_FIGURES_TIMEOUT_MS;
  for (;;) {
    if (env.server) {
      const response = await fetch(`${env.server.baseUrl}/api/v1/statistics/open-data`);
      const body = response.ok ? await response.json() : {};
      if (body.freshness) return;
    }
    if (Date.now() > deadline) {
      const output = env.server ? env.server.output() : 'the server did not start';
      assert.fail(`the demo made no figures within ${FIRST_FIGURES_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/** The statistics page has figures: the freshness line says when they were made. */
async function assertFigures(page) {
  assert.match((await page.locator('#stats-freshness').textContent()) || '', /^Figures made /);
}

/** Opens Statistics from the main menu as the demo's national analyst, once figures exist. */
async function openStatistics(page) {
  await signInAs(page, 'national_analyst');
  const mainMenu = page.getByRole('navigation', { name: 'Main menu' });
  await clickAndWaitForNavigation(page, mainMenu.getByRole('link', { name: 'Statistics', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/statistics');
  await assertFigures(page);
}

/** Chooses an area and a period in the filter form and submits it (a plain GET form, no script). */
async function choose(page, area, period) {
  await page.getByLabel('Area', { exact: true }).selectOption(area);
  await page.getByLabel('Period', { exact: true }).selectOption(period);
  await clickAndWaitForNavigation(page, page.getByRole('button', { name: 'Show', exact: true }));
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('area'), area);
  assert.equal(url.searchParams.get('period'), period);
}

describe('statistics', () => {
  before(firstFigures, { timeout: FIRST_FIGURES_TIMEOUT_MS + 10_000 });

  test('a national analyst sees charts and their tables; the filter works; axe finds nothing', async () => {
    const { page } = await env.newPage();
    await openStatistics(page);

    const heading = page.locator('h1');
    assert.equal(await heading.count(), 1, 'one h1');
    assert.match(await heading.textContent(), /^Statistics: Whole country, \d{4}$/, 'this year at first');
    // The demo's titles start with the training environment's marker.
    assert.match(await page.title(), /^\[Training\] Statistics: Whole country, \d{4} – Kotopolku$/);

    // A breakdown: its chart (an image named by its title) and the table of the same figures.
    const byTargetGroup = page.getByRole('region', { name: 'Customers by target group', exact: true });
    const chart = byTargetGroup.getByRole('img', { name: 'Customers by target group' });
    assert.ok(await chart.isVisible(), 'the chart is visible');
    const table = byTargetGroup.getByRole('table');
    assert.ok(await table.isVisible(), 'its data table is visible');
    assert.ok((await table.locator('tbody tr').count()) > 2, 'a row per target group and the total');
    assert.equal(await table.locator('tbody tr').last().locator('th').textContent(), 'Total');
    await expectNoAxeViolations(page, 'the statistics page');

    // All time: enough customers for bars to be drawn, not hidden as too few.
    await choose(page, 'nation', 'all');
    assert.equal(await heading.textContent(), 'Statistics: Whole country, All time');
    assert.ok((await page.locator('svg.chart rect.chart-bar').count()) > 0, 'bars are drawn');
    const newCustomers = page.getByRole('region', { name: 'New customers', exact: true });
    assert.ok(await newCustomers.getByRole('img').isVisible(), 'the columns of new customers');
    assert.ok(await newCustomers.getByRole('table').isVisible(), 'and their table');
    const onTime = page.getByRole('region', { name: 'Assessments started on time', exact: true });
    assert.ok(await onTime.getByRole('img').isVisible(), 'the share of assessments on time');
    await expectNoAxeViolations(page, 'the statistics page for all time');
    await saveScreenshot(page, 'statistics');

    // A regional centre, with the regions within it.
    await choose(page, 'rc-1', 'all');
    assert.match(await heading.textContent(), /, All time$/);
    const parts = page.getByRole('region', { name: 'Areas within', exact: true });
    assert.ok((await parts.locator('tbody tr').count()) > 0, 'the regions within the regional centre');
    await expectNoAxeViolations(page, 'the statistics page of a regional centre');
  });

  test('the statistics page works under the real Content-Security-Policy', async () => {
    const { page } = await env.newPage({ bypassCSP: false });
    const refused = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
        refused.push(message.text());
      }
    });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await openStatistics(page);
    const chart = page.locator('svg.chart').first();
    assert.ok(await chart.isVisible(), 'the charts are drawn');
    // The served stylesheet ends with the charts' rules (max-width 40rem), allowed by `style-src 'self'`.
    assert.equal(await chart.evaluate((svg) => getComputedStyle(svg).maxWidth), '640px');
    assert.deepEqual(refused, [], 'no CSP violation');
    assert.deepEqual(pageErrors, [], 'no script error');
  });
});
