// Launches Debian's Chromium through playwright-core (no browser is downloaded) and makes contexts the
// way every test wants them: English unless a test switches language, 1280 px wide, and CSP bypassed so
// that lib/axe.js can inject axe-core (the pages send `script-src 'self'`).
'use strict';

const fs = require('node:fs');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.KOTOPOLKU_CHROMIUM || '/usr/bin/chromium';

// Without the background-networking flags Chromium hangs trying to reach Google on a closed network.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const VIEWPORT = { width: 1280, height: 800 };

async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (scripts/test-browser does when root)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A new browser context for `baseUrl`. Options are passed on to Playwright; the defaults are
 * locale en-GB, a 1280x800 viewport and bypassCSP true (set bypassCSP: false to test the real policy).
 */
async function newContext(browser, baseUrl, options = {}) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    locale: 'en-GB',
    viewport: VIEWPORT,
    bypassCSP: true,
    ...options,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  return context;
}

/** Clicks `locator` (a submit button or link) and waits for the page it leads to to load. */
async function clickAndWaitForNavigation(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

module.exports = { launchBrowser, newContext, clickAndWaitForNavigation, CHROMIUM_ARGS, VIEWPORT };
