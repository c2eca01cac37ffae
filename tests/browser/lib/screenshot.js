// Saves full-page screenshots, 1280 px wide unless a test asks for another width (e.g. a tablet's
// 820 px): to target/screenshots/ on every run (so a test run leaves the work tree clean), and to the
// documentation's docs/screenshots/ when KOTOPOLKU_UPDATE_SCREENSHOTS=1.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { REPO_ROOT } = require('./server');

const SCREENSHOT_DIR =
  process.env.KOTOPOLKU_UPDATE_SCREENSHOTS === '1'
    ? path.join(REPO_ROOT, 'docs', 'screenshots')
    : path.join(REPO_ROOT, 'target', 'screenshots');
const WIDTH = 1280;

/**
 * Saves `page` as <SCREENSHOT_DIR>/<name>.png (full page, 1280 wide, or `width`) and returns the
 * file's path. The viewport keeps the width it was given.
 */
async function saveScreenshot(page, name, { width = WIDTH } = {}) {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new Error(`screenshot name ${JSON.stringify(name)}: use lower-case letters, digits and hyphens`);
  }
  const viewport = page.viewportSize();
  if (!viewport || viewport.width !== width) {
    await page.setViewportSize({ width, height: viewport ? viewport.height : 800 });
  }
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
  return file;
}

module.exports = { saveScreenshot, SCREENSHOT_DIR };
