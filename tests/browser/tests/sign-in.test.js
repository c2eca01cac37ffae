// Signing in and out through the pages.
'use strict';

const assert = require('node:assert/strict');
const { describe, test } = require('node:test');
const { setup } = require('../lib/fixture');
const { expectNoAxeViolations } = require('../lib/axe');
const { saveScreenshot } = require('../lib/screenshot');
const { demoUser, submitSignIn, signInAs } = require('../lib/demo');

const env = setup();

describe('sign-in', () => {
  test('a caseworker signs in and lands on the worklist; axe finds nothing on either page', async () => {
    const { page } = await env.newPage();
    await page.goto('/sign-in');
    assert.match(await page.title(), /Kotopolku/);
    await expectNoAxeViolations(page, 'the sign-in page');
    await saveScreenshot(page, 'sign-in');

    await submitSignIn(page, demoUser('caseworker'));

    assert.equal(new URL(page.url()).pathname, '/', 'signing in leads to the worklist at /');
    assert.equal(await page.locator('h1').count(), 1, 'the worklist has one h1');
    assert.ok(await page.locator('h1').isVisible(), 'the h1 is visible');
    assert.match(await page.title(), /Kotopolku/);
    assert.equal(await page.locator('#f-password').count(), 0, 'no sign-in form on the worklist');
    // The demo is a training environment, and its every page says so first.
    const banner = page.getByRole('note').filter({ hasText: 'Training environment' });
    assert.ok(await banner.isVisible(), 'the training banner is visible on the worklist');
    assert.equal(
      (await banner.innerText()).trim(),
      'Training environment – synthetic data only. Never enter real personal data.',
    );
    assert.match(await page.title(), /^\[Training\] /, 'the title says it too');
    await expectNoAxeViolations(page, 'the worklist');
    await saveScreenshot(page, 'worklist');
  });

  test('a wrong password shows the error summary and stays on /sign-in', async () => {
    const { page } = await env.newPage();
    await page.goto('/sign-in');
    await submitSignIn(page, { email: demoUser('caseworker').email, password: 'not-the-password' });

    assert.equal(new URL(page.url()).pathname, '/sign-in');
    const summary = page.locator('#error-summary');
    assert.equal(await summary.count(), 1, 'the page has an #error-summary');
    assert.ok(await summary.isVisible(), 'the error summary is visible');
    assert.equal(await page.locator('#f-password').count(), 1, 'the sign-in form is shown again');
    await expectNoAxeViolations(page, 'the sign-in page with an error');
    await saveScreenshot(page, 'sign-in-error');

    // Nobody is signed in: the worklist still sends us to sign in.
    await page.goto('/');
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'GET / without a session leads to /sign-in');
  });

  test('signing out ends the session', async () => {
    const { page } = await env.newPage();
    await page.goto('/sign-in');
    await submitSignIn(page, demoUser('caseworker'));
    assert.equal(new URL(page.url()).pathname, '/');

    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.locator('form[action="/sign-out"] button[type="submit"]').click(),
    ]);
    await page.goto('/');
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'after signing out / leads to /sign-in');
  });

  test('the pages work under their real Content-Security-Policy', async () => {
    // Every other test bypasses the CSP so that axe can be injected; this one keeps it and fails on any
    // resource or script the policy refuses.
    const { page } = await env.newPage({ bypassCSP: false });
    const refused = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
        refused.push(message.text());
      }
    });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto('/sign-in');
    await submitSignIn(page, { email: demoUser('caseworker').email, password: 'not-the-password' });
    assert.deepEqual(refused, [], 'no CSP violation');
    assert.deepEqual(pageErrors, [], 'no script error');

    // The pages behind the sign-in too, with htmx answering the search while typing.
    await signInAs(page, 'caseworker');
    const customer = page.locator('main table a[href^="/customers/"]').first();
    const href = await customer.getAttribute('href');
    await page.goto('/customers');
    const answered = page.waitForResponse((r) => r.url().includes('/customers?') && r.status() === 200);
    await page.locator('#q').pressSequentially('a', { delay: 50 });
    await answered;
    await page.goto(href);
    await page.goto(`${href}/records/new/plan`);
    assert.deepEqual(refused, [], 'no CSP violation behind the sign-in');
    assert.deepEqual(pageErrors, [], 'no script error behind the sign-in');
  });
});
