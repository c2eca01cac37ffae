// The demo users of `kotopolku demo` (src/demo.rs) and signing in through the sign-in page.
'use strict';

const { clickAndWaitForNavigation } = require('./browser');

// E-mail addresses as src/demo.rs creates them; the password is `demo-` followed by the role.
const DEMO_EMAILS = {
  caseworker: 'caseworker@demo.kotopolku.invalid',
  supervisor: 'supervisor@demo.kotopolku.invalid',
  county_worker: 'county@demo.kotopolku.invalid',
  regional_officer: 'regional@demo.kotopolku.invalid',
  national_analyst: 'national@demo.kotopolku.invalid',
  admin: 'admin@demo.kotopolku.invalid',
};

/** The demo user of `role`: { role, email, password }. */
function demoUser(role) {
  const email = DEMO_EMAILS[role];
  if (!email) throw new Error(`no demo user with role ${role}`);
  return { role, email, password: `demo-${role}` };
}

/** Fills the sign-in form of the current page and submits it, waiting for the next page to load. */
async function submitSignIn(page, { email, password }) {
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(password);
  await clickAndWaitForNavigation(page, page.locator('form[action="/sign-in"] button[type="submit"]'));
}

/** Opens /sign-in and signs in as the demo user of `role` (no TOTP in the demo). */
async function signInAs(page, role) {
  await page.goto('/sign-in');
  await submitSignIn(page, demoUser(role));
}

module.exports = { DEMO_EMAILS, demoUser, submitSignIn, signInAs };
