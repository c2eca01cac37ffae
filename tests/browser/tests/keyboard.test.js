// Keyboard use: the skip link and focus.
'use strict';

const assert = require('node:assert/strict');
const { describe, test } = require('node:test');
const { setup } = require('../lib/fixture');
const { submitSignIn, demoUser } = require('../lib/demo');

const env = setup();

/** A description of the focused element: tag, id and classes. */
const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el ? { tag: el.tagName.toLowerCase(), id: el.id, classes: [...el.classList] } : null;
  });

async function skipLinkWorks(page) {
  await page.keyboard.press('Tab');
  const first = await focused(page);
  assert.ok(first.classes.includes('skip-link'), `the first Tab focuses the skip link, not ${JSON.stringify(first)}`);
  assert.ok(await page.locator('.skip-link').isVisible(), 'the focused skip link is visible');

  await page.keyboard.press('Enter');
  const target = await focused(page);
  assert.equal(target.tag, 'main', `Enter on the skip link focuses main, not ${JSON.stringify(target)}`);
  assert.equal(target.id, 'main');
}

describe('keyboard', () => {
  test('on the sign-in page the first Tab focuses the skip link and Enter moves focus to main', async () => {
    const { page } = await env.newPage();
    await page.goto('/sign-in');
    await skipLinkWorks(page);
  });

  test('on the worklist the first Tab focuses the skip link and Enter moves focus to main', async () => {
    const { page } = await env.newPage();
    await page.goto('/sign-in');
    await submitSignIn(page, demoUser('caseworker'));
    assert.equal(new URL(page.url()).pathname, '/');
    await skipLinkWorks(page);
  });

  test('a wrong password moves focus to the error summary', async () => {
    const { page } = await env.newPage();
    await page.goto('/sign-in');
    await submitSignIn(page, { email: demoUser('caseworker').email, password: 'not-the-password' });
    const now = await focused(page);
    assert.equal(now.id, 'error-summary', `focus is on the error summary, not ${JSON.stringify(now)}`);
  });

  test('signing in works with the keyboard alone', async () => {
    const { page } = await env.newPage();
    await page.goto('/sign-in');
    const user = demoUser('caseworker');
    await page.locator('#f-email').focus();
    await page.keyboard.type(user.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.password);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.equal(new URL(page.url()).pathname, '/');
  });
});
