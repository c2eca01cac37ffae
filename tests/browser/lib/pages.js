// Helpers for working with Kotopolku's pages the way a person does: fields found by their labels,
// buttons and links by their names, dates written the Finnish way (d.m.yyyy).
'use strict';

const assert = require('node:assert/strict');

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The form control labelled `label` inside `scope` (a page or a locator). Required fields' labels
 * end in "(required)", which is allowed after the label; anything else is not, so "Recipient" does
 * not find "Recipient's name".
 */
function byLabel(scope, label) {
  return scope.getByLabel(new RegExp(`^\\s*${escapeRegExp(label)}(\\s*\\(required\\))?\\s*$`));
}

/**
 * Clicks `locator` (or runs `action` when it is a function) and waits for the page it leads to;
 * returns the main resource's response (after redirects, the last one).
 */
async function navigate(page, locatorOrAction) {
  const act = typeof locatorOrAction === 'function' ? locatorOrAction : () => locatorOrAction.click();
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), act()]);
  return response;
}

/** The path of the page's address, without query or fragment. */
const pathname = (page) => new URL(page.url()).pathname;

/** A date as the pages write it: 5.3.2026. */
function fiDate(date) {
  return `${date.getUTCDate()}.${date.getUTCMonth() + 1}.${date.getUTCFullYear()}`;
}

/** "5.3.2026" as a date (UTC midnight). */
function parseFiDate(text) {
  const match = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text.trim());
  assert.ok(match, `${JSON.stringify(text)} is a date written d.m.yyyy`);
  return new Date(Date.UTC(Number(match[3]), Number(match[2]) - 1, Number(match[1])));
}

function addDays(date, days) {
  return new Date(date.getTime() + days * 86_400_000);
}

/** The visible text of `locator`, whitespace collapsed. */
async function textOf(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** Every text of `locator`'s matches, whitespace collapsed. */
async function textsOf(locator) {
  return (await locator.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** What has keyboard focus: tag, id, name, text and whether its focus indicator shows. */
function focusInfo(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', id: '', visible: false };
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = Boolean(style.boxShadow) && style.boxShadow !== 'none';
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      name: el.getAttribute('name') || '',
      text: (el.innerText || el.value || '').trim().slice(0, 80),
      href: el.getAttribute('href') || '',
      visible: outline || shadow,
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
      boxShadow: style.boxShadow,
    };
  });
}

/** Asserts that something other than the page itself has focus and that its focus indicator shows. */
async function assertFocusVisible(page, what) {
  const info = await focusInfo(page);
  assert.notEqual(info.tag, 'body', `${what}: something has focus`);
  assert.ok(
    info.visible,
    `${what}: the focused ${info.tag}#${info.id} shows a focus indicator (outline ${info.outline}, box-shadow ${info.boxShadow})`,
  );
  return info;
}

/**
 * Presses Tab (or Shift+Tab with `{ back: true }`) until `matches(focusInfo)` holds; fails after
 * `max` presses. Returns the number of presses.
 */
async function tabUntil(page, matches, { max = 60, back = false, what = 'the wanted element' } = {}) {
  for (let presses = 1; presses <= max; presses += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (matches(await focusInfo(page))) return presses;
  }
  assert.fail(`${what} was not reached with ${max} presses of ${back ? 'Shift+Tab' : 'Tab'}; focus is on ${JSON.stringify(await focusInfo(page))}`);
}

/** The success notice (role=status) at the top of main. */
const notice = (page) => page.locator('main .notice[role="status"]');

/** The JSON API's CSRF token of the page's session (the session cookie goes with page.request). */
async function csrfToken(page) {
  const response = await page.request.get('/api/v1/auth/session');
  assert.equal(response.status(), 200, 'GET /api/v1/auth/session answers for a signed-in browser');
  const body = await response.json();
  assert.ok(body.csrf_token, 'the session has a CSRF token');
  return body.csrf_token;
}

/**
 * Checks that go on after a failure: a journey runs to its end and then fails listing every check
 * that did not hold. Used where a known bug of the pages would otherwise hide what comes after it.
 */
class SoftChecks {
  constructor() {
    this.failures = [];
  }

  /** Runs `check` (sync or async); an assertion it fails is kept, anything else is thrown. */
  async check(check) {
    try {
      await check();
    } catch (error) {
      if (!(error instanceof assert.AssertionError)) throw error;
      this.failures.push(error.message);
    }
  }

  /** Fails with every kept failure, if any. */
  assertAll() {
    if (this.failures.length > 0) {
      assert.fail(`${this.failures.length} check(s) failed:\n- ${this.failures.join('\n- ')}`);
    }
  }
}

module.exports = {
  SoftChecks,
  addDays,
  assertFocusVisible,
  byLabel,
  csrfToken,
  escapeRegExp,
  fiDate,
  focusInfo,
  navigate,
  notice,
  parseFiDate,
  pathname,
  tabUntil,
  textOf,
  textsOf,
};
