// The language buttons in the header (POST /language).
'use strict';

const assert = require('node:assert/strict');
const { describe, test } = require('node:test');
const { setup } = require('../lib/fixture');
const { clickAndWaitForNavigation } = require('../lib/browser');
const { submitSignIn, demoUser } = require('../lib/demo');

const env = setup();

const htmlLang = (page) => page.locator('html').getAttribute('lang');
// The header shows a button for each language but the current one, named in its own language.
const languageButton = (page, name) => page.locator('header').getByRole('button', { name, exact: true });

describe('language', () => {
  test('English by Accept-Language, Finnish without it', async () => {
    const english = await env.newPage();
    await english.page.goto('/sign-in');
    assert.equal(await htmlLang(english.page), 'en');

    const none = await env.newPage({ locale: undefined, extraHTTPHeaders: { 'Accept-Language': '' } });
    await none.page.goto('/sign-in');
    assert.equal(await htmlLang(none.page), 'fi');
  });

  test('the header buttons switch to Swedish, then Finnish, and the choice is remembered', async () => {
    const { page } = await env.newPage();
    await page.goto('/sign-in');
    assert.equal(await htmlLang(page), 'en');

    await clickAndWaitForNavigation(page, languageButton(page, 'Svenska'));
    assert.equal(await htmlLang(page), 'sv');
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'the switch returns to the same page');

    await clickAndWaitForNavigation(page, languageButton(page, 'Suomi'));
    assert.equal(await htmlLang(page), 'fi');

    // A new page load (the browser still says en-GB) keeps Finnish.
    await page.goto('/sign-in');
    assert.equal(await htmlLang(page), 'fi', 'the choice is remembered on the next load');
    assert.equal(await languageButton(page, 'Suomi').count(), 0, 'no button for the current language');
    assert.equal(await languageButton(page, 'English').count(), 1, 'a button back to English');

    // And it survives signing in.
    await submitSignIn(page, demoUser('caseworker'));
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await htmlLang(page), 'fi', 'the worklist is in the chosen language');
  });

  test('a signed-in caseworker switches language on the worklist', async () => {
    const { page } = await env.newPage();
    await page.goto('/sign-in');
    await submitSignIn(page, demoUser('caseworker'));
    assert.equal(await htmlLang(page), 'en');

    await clickAndWaitForNavigation(page, languageButton(page, 'Svenska'));
    assert.equal(new URL(page.url()).pathname, '/', 'the switch returns to the worklist');
    assert.equal(await htmlLang(page), 'sv');
    await page.reload();
    assert.equal(await htmlLang(page), 'sv', 'the choice is remembered on reload');
  });
});
