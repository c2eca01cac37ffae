// Whole journeys through the pages as their users make them: a caseworker from registration to the
// worklist, a county worker stating a purpose and a supervisor reading the access log, language,
// keyboard-only use, an expired session, search with and without JavaScript, and user
// administration. Axe checks every page visited, forms showing errors included.
'use strict';

const assert = require('node:assert/strict');
const { describe, test } = require('node:test');
const { setup } = require('../lib/fixture');
const { expectNoAxeViolations } = require('../lib/axe');
const { saveScreenshot } = require('../lib/screenshot');
const { demoUser, signInAs, submitSignIn } = require('../lib/demo');
const {
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
} = require('../lib/pages');

const env = setup();

const mainMenu = (page) => page.getByRole('navigation', { name: 'Main menu' });
const button = (scope, name) => scope.getByRole('button', { name, exact: true });
const link = (scope, name) => scope.getByRole('link', { name, exact: true });
/** A section of the customer page by its heading. */
const section = (page, heading) => page.getByRole('region', { name: heading, exact: true });

/** The customer id in /customers/{id}... */
function customerIdOf(page) {
  const match = /^\/customers\/([^/]+)/.exec(pathname(page));
  assert.ok(match, `${page.url()} is a customer's page`);
  return match[1];
}

/**
 * A demo customer on the signed-in caseworker's worklist (the page must be the worklist): the first
 * (or with `last` the last) row, or the first one living in `municipality` if there is one:
 * { id, name, municipality }.
 */
async function worklistCustomer(page, { municipality, last = false } = {}) {
  const rows = page.locator('main table tbody tr');
  assert.ok((await rows.count()) > 0, 'the demo caseworker has customers on the worklist');
  let row = last ? rows.last() : rows.first();
  if (municipality) {
    const living = rows.filter({ has: page.locator('td:nth-child(2)', { hasText: municipality }) });
    if ((await living.count()) > 0) row = living.first();
  }
  const customerLink = row.locator('td:first-child a');
  const href = await customerLink.getAttribute('href');
  return {
    id: href.replace(/^\/customers\//, ''),
    name: await textOf(customerLink),
    municipality: await textOf(row.locator('td:nth-child(2)')),
  };
}

/** The deadlines (each "Status Rule: due/done date") of the worklist row of customer `name`. */
async function worklistDeadlines(page, name) {
  const row = page.locator('main table tbody tr').filter({ has: link(page, name) });
  assert.equal(await row.count(), 1, `the worklist has one row for ${name}`);
  return textsOf(row.locator('.deadline-list li'));
}

/** Opens a record form from the customer page by its add link; checks its heading and axe. */
async function openNewRecord(page, linkName, kind) {
  const id = customerIdOf(page);
  await navigate(page, link(page.locator('main'), linkName));
  assert.equal(pathname(page), `/customers/${id}/records/new/${kind}`);
  assert.equal(await textOf(page.locator('h1')), linkName, 'the form is headed by the link that opened it');
  await expectNoAxeViolations(page, `the form "${linkName}"`);
}

/** Asserts the customer page after a record of `kind` was saved with `message`. */
async function assertSaved(page, customerId, kind, message) {
  assert.equal(pathname(page), `/customers/${customerId}`, `saving the ${kind} returns to the customer page`);
  assert.equal(new URL(page.url()).searchParams.get('done'), kind);
  assert.equal(await textOf(notice(page)), message);
  await expectNoAxeViolations(page, `the customer page after saving the ${kind}`);
}

describe('journeys', () => {
  test('caseworker journey: register a customer (an invalid first try), assess, plan, refer, note, see the deadline met on the worklist and print the plan', async () => {
    const family = 'Selainkoe';
    const given = 'Aino Matilda';
    const fullName = `${family}, ${given}`;
    const { page } = await env.newPage();
    // Checks that known bugs of the pages fail; the journey goes on and fails at its end.
    const soft = new SoftChecks();

    await signInAs(page, 'caseworker');
    assert.equal(pathname(page), '/');
    // The unit serves the municipalities its customers live in.
    const { municipality } = await worklistCustomer(page);

    // Registration: an invalid first try.
    await navigate(page, link(mainMenu(page), 'Register a customer'));
    assert.equal(pathname(page), '/customers/new');
    assert.equal(await textOf(page.locator('h1')), 'Register a customer');
    await expectNoAxeViolations(page, 'the registration form');
    await saveScreenshot(page, 'register');

    const today = await byLabel(page, 'Customership started').inputValue();
    const todayDate = parseFiDate(today);
    const otherLanguageRows = page.locator('select[name^="other_languages["][name$="].language"]');
    const otherLanguageRowsBefore = await otherLanguageRows.count();
    await byLabel(page, 'Family name').fill(family);
    await byLabel(page, 'Given names').fill(given);
    await byLabel(page, 'Date of birth').fill('31.2.1990');
    await byLabel(page, 'Sex').selectOption({ label: 'Female' });
    await byLabel(page, 'Phone').fill('+358 40 123 4567');
    // The municipality is left unchosen.
    const refused = await navigate(page, button(page, 'Register'));
    assert.equal(refused.status(), 422, 'a form with errors is answered 422');
    assert.equal(pathname(page), '/customers/new');

    const summary = page.locator('#error-summary');
    assert.ok(await summary.isVisible(), 'the error summary is shown');
    assert.equal(await summary.getAttribute('role'), 'alert');
    assert.equal((await focusInfo(page)).id, 'error-summary', 'focus moves to the error summary');
    assert.equal(await textOf(summary.locator('h2')), 'There are 2 problems to fix');
    const birthDateMessage = 'Enter a real date as day.month.year, for example 15.6.2026.';
    const municipalityMessage = 'Fill in this field.';
    assert.deepEqual(
      (await textsOf(summary.getByRole('link'))).sort(),
      [`Date of birth: ${birthDateMessage}`, `Municipality of residence: ${municipalityMessage}`].sort(),
    );
    assert.equal(await link(summary, `Date of birth: ${birthDateMessage}`).getAttribute('href'), '#f-birth_date');
    assert.equal(
      await link(summary, `Municipality of residence: ${municipalityMessage}`).getAttribute('href'),
      '#f-municipality_code',
    );
    // The message is also at each field, and the field says it is invalid.
    assert.match(await textOf(page.locator('#f-birth_date-error.field-error')), new RegExp(`${escapeRegExp(birthDateMessage)}$`));
    assert.match(await textOf(page.locator('#f-municipality_code-error.field-error')), new RegExp(`${escapeRegExp(municipalityMessage)}$`));
    assert.equal(await byLabel(page, 'Date of birth').getAttribute('aria-invalid'), 'true');
    // What was typed is kept.
    assert.equal(await byLabel(page, 'Family name').inputValue(), family);
    assert.equal(await byLabel(page, 'Given names').inputValue(), given);
    assert.equal(await byLabel(page, 'Date of birth').inputValue(), '31.2.1990');
    assert.equal(await byLabel(page, 'Sex').inputValue(), 'female');
    assert.equal(await byLabel(page, 'Phone').inputValue(), '+358 40 123 4567');
    assert.equal(await byLabel(page, 'Customership started').inputValue(), today);
    // The form shown again with errors has the rows that were sent, no more (each refused try once
    // added an empty row of other languages).
    await soft.check(async () =>
      assert.equal(
        await otherLanguageRows.count(),
        otherLanguageRowsBefore,
        'the registration form shown again with errors has as many empty "other language" rows as before',
      ),
    );
    await expectNoAxeViolations(page, 'the registration form with errors');
    await saveScreenshot(page, 'register-errors');

    // The summary's link takes the caseworker to the field.
    await link(summary, `Date of birth: ${birthDateMessage}`).click();
    assert.equal((await focusInfo(page)).id, 'f-birth_date', 'the error link moves focus to its field');

    // The second try.
    await byLabel(page, 'Date of birth').fill('14.3.1990');
    await byLabel(page, 'Municipality of residence').selectOption({ label: municipality });
    const registered = await navigate(page, button(page, 'Register'));
    assert.equal(registered.status(), 200);
    const customerId = customerIdOf(page);
    assert.equal(pathname(page), `/customers/${customerId}`);
    assert.equal(new URL(page.url()).searchParams.get('done'), 'registered');
    assert.equal(await textOf(notice(page)), 'The customer was registered.');
    assert.equal(await textOf(page.locator('h1')), fullName);

    // The customer page: its sections and their add buttons.
    for (const heading of [
      'Deadlines',
      'Basic data',
      'Assessments',
      'Integration plans',
      'Integration programme',
      'Referrals',
      'Appointments',
      'Case notes',
    ]) {
      assert.equal(await section(page, heading).count(), 1, `the customer page has the section "${heading}"`);
    }
    for (const name of [
      'New assessment',
      'New integration plan',
      'Start the integration programme',
      'New referral',
      'New appointment',
      'New case note',
    ]) {
      assert.equal(await link(page.locator('main'), name).count(), 1, `the customer page has "${name}"`);
    }
    assert.equal(await link(page, 'Edit basic data').count(), 1);
    assert.equal(await link(page, 'History of changes').count(), 1);
    assert.equal(await link(page, 'Access log').count(), 0, 'a caseworker has no access log link');
    await expectNoAxeViolations(page, 'the new customer page');
    await saveScreenshot(page, 'customer');
    await saveScreenshot(page, 'customer-tablet', { width: 820 });
    await expectNoAxeViolations(page, 'the customer page 820 px wide');
    await page.setViewportSize({ width: 1280, height: 800 });

    // An assessment completed today that finds a plan needed.
    await openNewRecord(page, 'New assessment', 'assessment');
    assert.equal(await byLabel(page, 'Started').inputValue(), today, 'the assessment starts today by default');
    const conclusion = page.getByRole('group', { name: 'Conclusion' });
    await byLabel(conclusion, 'Integration plan needed').selectOption({ label: 'Yes' });
    await byLabel(conclusion, 'Reason').fill('Needs Finnish and a path to work.');
    await byLabel(conclusion, 'Completed').fill(today);
    await byLabel(page, 'Employment goal').fill('Work as a practical nurse');
    await navigate(page, button(page, 'Save'));
    await assertSaved(page, customerId, 'assessment', 'The assessment was saved.');
    const assessments = section(page, 'Assessments');
    assert.match(await textOf(assessments), /Assessment of skills and service needs/);
    assert.match(await textOf(assessments), new RegExp(`Completed ${escapeRegExp(today)}`));

    // An integration plan with one goal and one measure.
    const planEnds = fiDate(addDays(todayDate, 180));
    const measureEnds = fiDate(addDays(todayDate, 90));
    const goalText = 'Finnish at level A2 for working life';
    await openNewRecord(page, 'New integration plan', 'plan');
    assert.equal(await byLabel(page, 'Drawn up').inputValue(), today, 'the plan is drawn up today by default');
    await byLabel(page, 'Starts').fill(today);
    await byLabel(page, 'Ends').fill(planEnds);
    const goal = page.getByRole('group', { name: 'Goal 1' });
    await byLabel(goal, 'Area').selectOption({ label: 'Language' });
    await byLabel(goal, 'Goal').fill(goalText);
    const measure = goal.getByRole('group', { name: 'Measure 1' });
    await byLabel(measure, 'Service').selectOption({ label: 'Integration training' });
    await byLabel(measure, 'Provider').fill('Adult education centre');
    await byLabel(measure, 'Planned start').fill(today);
    await byLabel(measure, 'Planned end').fill(measureEnds);
    // "Add a measure to this goal" adds an empty row and saves nothing.
    const added = await navigate(page, button(goal, 'Add a measure to this goal'));
    assert.equal(added.status(), 200);
    assert.equal(pathname(page), `/customers/${customerId}/records/new/plan`, 'adding a row keeps the form open');
    assert.equal(await page.locator('#error-summary').count(), 0, 'adding a row shows no errors');
    const goalAgain = page.getByRole('group', { name: 'Goal 1' });
    assert.equal(await goalAgain.getByRole('group', { name: 'Measure 2' }).count(), 1, 'an empty second measure appears');
    // "Add a measure to this goal" adds exactly one measure to that goal and nothing elsewhere (it once
    // grew every repeated group of the form).
    await soft.check(async () =>
      assert.equal(
        await goalAgain.getByRole('group', { name: /^Measure \d+$/ }).count(),
        2,
        '"Add a measure to this goal" adds one measure: goal 1 has measures 1 and 2 only',
      ),
    );
    await soft.check(async () =>
      assert.equal(
        await page.locator('main form fieldset.goal').count(),
        1,
        '"Add a measure to this goal" adds no goal',
      ),
    );
    await soft.check(async () =>
      assert.equal(
        await page.locator('main form textarea[name^="reviews["]').count(),
        1,
        '"Add a measure to this goal" adds no review row',
      ),
    );
    assert.equal(await byLabel(goalAgain.getByRole('group', { name: 'Measure 2' }), 'Service').inputValue(), '');
    const measureAgain = goalAgain.getByRole('group', { name: 'Measure 1' });
    assert.equal(await byLabel(page, 'Ends').inputValue(), planEnds, 'the plan period is kept');
    assert.equal(await byLabel(goalAgain, 'Goal').inputValue(), goalText, 'the goal is kept');
    assert.equal(await byLabel(measureAgain, 'Service').inputValue(), 'integration_training', 'the measure is kept');
    assert.equal(await byLabel(measureAgain, 'Planned end').inputValue(), measureEnds);
    await expectNoAxeViolations(page, 'the plan form with an added measure');
    await saveScreenshot(page, 'plan-form');
    // Enter in a field saves the plan (the empty measure is left out).
    await byLabel(measureAgain, 'Planned end').focus();
    await navigate(page, () => page.keyboard.press('Enter'));
    await assertSaved(page, customerId, 'plan', 'The integration plan was saved.');
    const plans = section(page, 'Integration plans');
    assert.equal(await plans.locator('article').count(), 1, 'one plan');
    assert.equal(await textOf(plans.locator('caption')), `Goal 1: Language – ${goalText}`);
    assert.deepEqual(await textsOf(plans.locator('tbody tr')), [
      `Integration training Adult education centre ${today} – ${measureEnds} Planned`,
    ]);

    // A referral to that measure.
    await openNewRecord(page, 'New referral', 'referral');
    assert.equal(await byLabel(page, 'Sent').inputValue(), today, 'the referral is sent today by default');
    await byLabel(page, 'Service').selectOption({ label: 'Integration training' });
    await byLabel(page, 'Recipient').selectOption({ label: 'Education provider' });
    await byLabel(page, "Recipient's name").fill('Adult education centre');
    const measureChoices = (await textsOf(byLabel(page, 'Measure of the plan').locator('option'))).filter((t) =>
      t.startsWith('Integration training'),
    );
    assert.equal(measureChoices.length, 1, `the plan's measure is offered: ${JSON.stringify(measureChoices)}`);
    assert.match(measureChoices[0], new RegExp(`${escapeRegExp(today)} – ${escapeRegExp(measureEnds)}`));
    const measureOption = byLabel(page, 'Measure of the plan').locator('option', { hasText: measureChoices[0] });
    await byLabel(page, 'Measure of the plan').selectOption(await measureOption.getAttribute('value'));
    await navigate(page, button(page, 'Save'));
    await assertSaved(page, customerId, 'referral', 'The referral was saved.');
    const referrals = section(page, 'Referrals');
    assert.match(await textOf(referrals), /Referral: Integration training/);
    assert.match(await textOf(referrals), /Adult education centre/);

    // A case note.
    const noteText = 'Discussed the integration training and how to get there by bus.';
    await openNewRecord(page, 'New case note', 'note');
    assert.equal(await byLabel(page, 'Date').inputValue(), today, 'the note is written today by default');
    await byLabel(page, 'Type').selectOption({ label: 'Guidance' });
    await byLabel(page, 'Text').fill(noteText);
    await navigate(page, button(page, 'Save'));
    await assertSaved(page, customerId, 'note', 'The case note was saved.');
    const notes = section(page, 'Case notes');
    assert.match(await textOf(notes), new RegExp(`Guidance ${escapeRegExp(today)}`));
    assert.match(await textOf(notes), new RegExp(escapeRegExp(noteText)));

    // The worklist shows the assessment deadline met today.
    await navigate(page, link(mainMenu(page), 'Worklist'));
    assert.equal(pathname(page), '/');
    const deadlines = await worklistDeadlines(page, fullName);
    assert.ok(
      deadlines.includes(`Done Start of the initial assessment: done ${today}`),
      `the worklist shows the assessment deadline done today: ${JSON.stringify(deadlines)}`,
    );
    assert.ok(
      deadlines.includes(`Done Integration plan after the assessment: done ${today}`),
      `the worklist shows the plan deadline done today: ${JSON.stringify(deadlines)}`,
    );
    await expectNoAxeViolations(page, 'the worklist with the new customer');

    // The plan's print view shows the goal.
    await navigate(page, link(page.locator('main'), fullName));
    assert.equal(pathname(page), `/customers/${customerId}`);
    await navigate(page, link(section(page, 'Integration plans'), 'Print the plan'));
    const printed = await textOf(page.locator('body'));
    assert.match(printed, new RegExp(escapeRegExp(goalText)), 'the printed plan shows the goal');
    assert.match(printed, new RegExp(escapeRegExp(fullName)), 'the printed plan names the customer');
    await expectNoAxeViolations(page, 'the print view of the plan');

    soft.assertAll();
  });

  test('a county worker states a purpose before seeing a customer; the supervisor sees it in the access log', async () => {
    // The caseworker involves the demo wellbeing county (code 90, Helsinki) in a customer's process.
    const caseworker = await env.newPage();
    await signInAs(caseworker.page, 'caseworker');
    const customer = await worklistCustomer(caseworker.page, { municipality: 'Helsinki' });
    const response = await caseworker.page.request.post(`/api/v1/customers/${customer.id}/county-involvements`, {
      headers: { 'X-CSRF-Token': await csrfToken(caseworker.page) },
      data: { county_code: '90', purpose: 'Multisectoral integration plan' },
    });
    assert.equal(response.status(), 201, `the county is involved: ${await response.text()}`);

    // The county worker has no worklist and must state a purpose.
    const county = await env.newPage();
    await signInAs(county.page, 'county_worker');
    assert.equal(pathname(county.page), '/customers', 'a county worker starts from the customer search');
    await county.page.goto(`/customers/${customer.id}`);
    assert.equal(pathname(county.page), `/customers/${customer.id}/purpose`, 'opening the customer asks for a purpose');
    assert.equal(await textOf(county.page.locator('h1')), 'Purpose of use');
    assert.equal(await county.page.getByText(customer.name).count(), 0, "the customer's name is not shown before the purpose");
    await expectNoAxeViolations(county.page, 'the purpose form');

    // Without a purpose: an error.
    const refused = await navigate(county.page, button(county.page, 'Open the customer'));
    assert.equal(refused.status(), 422);
    const summary = county.page.locator('#error-summary');
    assert.ok(await summary.isVisible(), 'the error summary is shown');
    assert.deepEqual(await textsOf(summary.getByRole('link')), ['Purpose: Fill in this field.']);
    await expectNoAxeViolations(county.page, 'the purpose form with an error');

    const details = 'Planning housing support with the municipality';
    await byLabel(county.page, 'Purpose').selectOption({ label: 'Coordinating services' });
    await byLabel(county.page, 'Details').fill(details);
    await navigate(county.page, button(county.page, 'Open the customer'));
    assert.equal(pathname(county.page), `/customers/${customer.id}`);
    assert.equal(await textOf(county.page.locator('h1')), customer.name, 'the customer page opens');
    assert.equal(await link(county.page, 'Access log').count(), 0, 'a county worker has no access log link');
    await expectNoAxeViolations(county.page, "the customer page as the county worker sees it");

    // The supervisor reads the access log.
    const supervisor = await env.newPage();
    await signInAs(supervisor.page, 'supervisor');
    await supervisor.page.goto(`/customers/${customer.id}`);
    assert.equal(await textOf(supervisor.page.locator('h1')), customer.name);
    await navigate(supervisor.page, link(supervisor.page.locator('main'), 'Access log'));
    assert.equal(pathname(supervisor.page), `/customers/${customer.id}/access-log`);
    assert.equal(await textOf(supervisor.page.locator('h1')), 'Access log');
    const headers = await textsOf(supervisor.page.locator('main table thead th'));
    assert.deepEqual(headers, ['When', 'Who', 'Role', 'Action', 'Purpose', 'Outcome']);
    const rows = supervisor.page.locator('main table tbody tr');
    const countyRows = [];
    for (let i = 0; i < (await rows.count()); i += 1) {
      const cells = await textsOf(rows.nth(i).locator('td'));
      if (cells[2] === 'Wellbeing county worker') countyRows.push(cells);
    }
    const viewed = countyRows.filter((cells) => cells[3] === 'Viewed the customer' && cells[5] === 'Done');
    assert.ok(viewed.length > 0, `the county worker's view is logged: ${JSON.stringify(countyRows)}`);
    assert.equal(viewed[0][1], 'Demo county worker');
    assert.equal(viewed[0][4], `Coordinating services: ${details}`, 'the purpose is shown');
    await expectNoAxeViolations(supervisor.page, 'the access log');
    await saveScreenshot(supervisor.page, 'access-log');

    const soft = new SoftChecks();
    const actions = await textsOf(rows.locator('td:nth-child(4)'));
    // The page says "newest first", and lists so.
    await soft.check(() => {
      const registeredAt = actions.indexOf('Registered the customer');
      const countyViewAt = actions.findIndex((action, i) => action === 'Viewed the customer' && i > 0);
      assert.ok(registeredAt >= 0, 'the registration is in the access log');
      assert.ok(
        countyViewAt >= 0 && countyViewAt < registeredAt,
        `newest first: the county worker's view (row ${countyViewAt + 1}) comes before the registration (row ${registeredAt + 1})`,
      );
    });
    // Every action is in words: no raw codes such as note.create or customer.county_involvement.start.
    await soft.check(() => {
      const codes = [...new Set(actions.filter((action) => /^[a-z_]+(\.[a-z_]+)+$/.test(action)))];
      assert.deepEqual(codes, [], 'every action in the access log is written out in words');
    });
    soft.assertAll();
  });

  test('registering a customer who may already be registered warns with links and asks to confirm', async () => {
    const { page } = await env.newPage();
    await signInAs(page, 'caseworker');
    // The last row: the other tests use the first, and this one registers a namesake.
    const existing = await worklistCustomer(page, { last: true });
    await page.goto(`/customers/${existing.id}`);
    const lead = await textOf(page.locator('main .customer-header .lead'));
    const birthDate = /Date of birth (\d{1,2}\.\d{1,2}\.\d{4})/.exec(lead)?.[1];
    assert.ok(birthDate, `the customer page shows the date of birth: ${lead}`);
    const sexLabel = await textOf(page.locator('#basic dt', { hasText: /^Sex$/ }).locator('xpath=following-sibling::dd[1]'));
    const [family, given] = existing.name.split(', ');

    await navigate(page, link(mainMenu(page), 'Register a customer'));
    await byLabel(page, 'Family name').fill(family);
    await byLabel(page, 'Given names').fill(given);
    await byLabel(page, 'Date of birth').fill(birthDate);
    await byLabel(page, 'Sex').selectOption({ label: sexLabel });
    await byLabel(page, 'Municipality of residence').selectOption({ label: existing.municipality });
    const warned = await navigate(page, button(page, 'Register'));
    assert.ok([409, 422].includes(warned.status()), `a likely duplicate is not registered (${warned.status()})`);
    assert.equal(pathname(page), '/customers/new');
    const candidates = page.locator('main .candidates');
    assert.ok(await candidates.isVisible(), 'the possible duplicates are shown');
    assert.equal(await textOf(candidates.locator('h2')), 'This customer may already be registered');
    assert.equal(
      await candidates.locator(`a[href="/customers/${existing.id}"]`).count(),
      1,
      'the existing customer is linked',
    );
    assert.equal(await textOf(candidates.locator(`a[href="/customers/${existing.id}"]`)), existing.name);
    assert.equal(await byLabel(page, 'Family name').inputValue(), family, 'what was typed is kept');
    assert.equal(await byLabel(page, 'Date of birth').inputValue(), birthDate);
    const confirm = byLabel(page, 'I checked: this is a different person');
    assert.equal(await confirm.getAttribute('id'), 'confirm_not_duplicate');
    assert.equal(await confirm.isChecked(), false);
    await expectNoAxeViolations(page, 'the registration form warning of a duplicate');

    await confirm.check();
    const registered = await navigate(page, button(page, 'Register'));
    assert.equal(registered.status(), 200);
    const newId = customerIdOf(page);
    assert.notEqual(newId, existing.id, 'a new customer is registered');
    assert.equal(await textOf(notice(page)), 'The customer was registered.');
    assert.equal(await textOf(page.locator('h1')), existing.name);
  });

  test('switching language on the customer page keeps the page and changes its texts', async () => {
    const { page } = await env.newPage();
    await signInAs(page, 'caseworker');
    const customer = await worklistCustomer(page);
    await page.goto(`/customers/${customer.id}`);
    const english = {
      deadlines: await textOf(page.locator('#deadlines-title')),
      basic: await textOf(page.locator('#basic-title')),
      nav: await textOf(link(mainMenu(page), 'Worklist')),
    };
    assert.deepEqual(english, { deadlines: 'Deadlines', basic: 'Basic data', nav: 'Worklist' });
    const header = page.locator('header');
    assert.deepEqual((await textsOf(header.getByRole('button'))).filter((t) => t !== 'Sign out').sort(), ['Suomi', 'Svenska']);

    // The choice is remembered for the account: the other tests expect English, so it is put back.
    try {
      await switchLanguages(page, customer, english);
    } finally {
      await page.request.post('/language', { form: { lang: 'en', _back: '/' } });
    }
  });

  async function switchLanguages(page, customer, english) {
    for (const [name, lang] of [
      ['Svenska', 'sv'],
      ['Suomi', 'fi'],
    ]) {
      await navigate(page, button(page.locator('header'), name));
      assert.equal(pathname(page), `/customers/${customer.id}`, `switching to ${name} stays on the customer page`);
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      assert.equal(await textOf(page.locator('h1')), customer.name, 'the same customer');
      const now = {
        deadlines: await textOf(page.locator('#deadlines-title')),
        basic: await textOf(page.locator('#basic-title')),
        // The menu's name is translated too: find it by its place.
        nav: await textOf(page.locator('header nav a').first()),
      };
      for (const [what, text] of Object.entries(now)) {
        assert.notEqual(text, english[what], `in ${name} "${english[what]}" is translated`);
        // An untranslated text shows its Fluent key (e.g. customer-deadlines).
        assert.doesNotMatch(text, /^[a-z]+(-[a-z_]+)+$/, `in ${name} "${english[what]}" shows a text, not the key ${text}`);
      }
      const others = (await textsOf(page.locator('header').getByRole('button'))).filter((t) =>
        ['Suomi', 'Svenska', 'English'].includes(t),
      );
      assert.ok(!others.includes(name) && others.length === 2, `only the two other languages are offered: ${others}`);
      await expectNoAxeViolations(page, `the customer page in ${name}`);
    }
    await navigate(page, button(page.locator('header'), 'English'));
    assert.equal(pathname(page), `/customers/${customer.id}`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await textOf(page.locator('#deadlines-title')), english.deadlines, 'back in English');
  }

  test('keyboard-only registration: Tab, typing, arrow keys and Enter; the error summary leads to the field', async () => {
    const { page } = await env.newPage();
    await signInAs(page, 'caseworker');
    await page.goto('/customers/new');

    // The skip link, then main, then the first field.
    await page.keyboard.press('Tab');
    const skip = await assertFocusVisible(page, 'the skip link');
    assert.equal(skip.href, '#main');
    await page.keyboard.press('Enter');
    assert.equal((await focusInfo(page)).id, 'main');
    await page.keyboard.press('Tab');
    const first = await assertFocusVisible(page, 'the first field after main');
    assert.equal(first.id, 'f-family_name', 'Tab from main reaches the family name first');
    await page.keyboard.type('Nappaimisto');
    await page.keyboard.press('Tab');
    assert.equal((await focusInfo(page)).id, 'f-given_names');
    await page.keyboard.type('Ilmari');
    // Back and forth: Shift+Tab returns to the family name with what was typed.
    await page.keyboard.press('Shift+Tab');
    assert.equal((await focusInfo(page)).id, 'f-family_name');
    assert.equal(await page.locator('#f-family_name').inputValue(), 'Nappaimisto');
    await tabUntil(page, (f) => f.id === 'f-birth_date', { max: 5, what: 'the date of birth' });
    await assertFocusVisible(page, 'the date of birth');
    await page.keyboard.type('2.5.1988');
    await page.keyboard.press('Tab');
    const sex = await assertFocusVisible(page, 'the sex select');
    assert.equal(sex.id, 'f-sex');
    await page.keyboard.press('ArrowDown'); // Male
    await page.keyboard.press('ArrowDown'); // Female
    assert.equal(await page.locator('#f-sex').inputValue(), 'female', 'arrow keys choose in a select');

    // Enter in a text field submits; the municipality is still missing.
    await page.keyboard.press('Shift+Tab');
    assert.equal((await focusInfo(page)).id, 'f-birth_date');
    const refused = await navigate(page, () => page.keyboard.press('Enter'));
    assert.equal(refused.status(), 422);
    assert.equal((await focusInfo(page)).id, 'error-summary', 'focus is on the error summary');
    await expectNoAxeViolations(page, 'the registration form with an error (keyboard)');
    await page.keyboard.press('Tab');
    const errorLink = await assertFocusVisible(page, 'the error link');
    assert.equal(errorLink.href, '#f-municipality_code');
    assert.equal(errorLink.text, 'Municipality of residence: Fill in this field.');
    await page.keyboard.press('Enter');
    const municipality = await assertFocusVisible(page, 'the municipality after following the error link');
    assert.equal(municipality.id, 'f-municipality_code', 'the error link moves focus to its field');
    await page.keyboard.type('Helsinki');
    assert.equal(await page.locator('#f-municipality_code').inputValue(), '091', 'typing chooses in a select');
    // What was typed before is kept.
    assert.equal(await page.locator('#f-family_name').inputValue(), 'Nappaimisto');
    assert.equal(await page.locator('#f-birth_date').inputValue(), '2.5.1988');
    assert.equal(await page.locator('#f-sex').inputValue(), 'female');

    // On to the Register button and press it.
    await tabUntil(page, (f) => f.tag === 'button' && f.text === 'Register', { what: 'the Register button' });
    await assertFocusVisible(page, 'the Register button');
    const registered = await navigate(page, () => page.keyboard.press('Enter'));
    assert.equal(registered.status(), 200);
    assert.match(pathname(page), /^\/customers\/[^/]+$/);
    assert.equal(new URL(page.url()).searchParams.get('done'), 'registered');
    assert.equal(await textOf(page.locator('h1')), 'Nappaimisto, Ilmari');
  });

  test('an expired session keeps the typed note: sign in again and continue to the form', async () => {
    const { context, page } = await env.newPage();
    await signInAs(page, 'caseworker');
    const customer = await worklistCustomer(page);
    await page.goto(`/customers/${customer.id}`);
    await openNewRecord(page, 'New case note', 'note');
    const noteText = `Phoned about the language course; the customer will come on Monday. (${Date.now()})`;
    await byLabel(page, 'Type').selectOption({ label: 'Phone call' });
    await byLabel(page, 'Confidentiality').selectOption({ label: 'Normal' });
    await byLabel(page, 'Text').fill(noteText);

    // The session ends while the form is open.
    await context.clearCookies({ name: 'kotopolku_session' });
    const expired = await navigate(page, button(page, 'Save'));
    assert.equal(expired.status(), 401);
    assert.equal(await textOf(page.locator('h1')), 'Sign in');
    assert.match(await textOf(page.locator('main')), /Nothing was saved\./, 'the sign-in page says nothing was saved');
    await expectNoAxeViolations(page, 'the sign-in page after the session expired');

    await submitSignIn(page, demoUser('caseworker'));
    assert.equal(await textOf(page.locator('h1')), 'Continue with your form');
    await expectNoAxeViolations(page, 'the page offering to continue to the form');
    await navigate(page, button(page.locator('main'), 'Continue to the form'));
    assert.equal(pathname(page), `/customers/${customer.id}/records/new/note`);
    assert.equal(
      await textOf(page.locator('main .notice[role="status"]')),
      'Your entries were restored. Nothing has been saved yet: check them and save.',
    );
    assert.equal(await byLabel(page, 'Text').inputValue(), noteText, 'the typed text is back');
    assert.equal(await byLabel(page, 'Type').inputValue(), 'phone_call', 'the chosen type is back');
    await expectNoAxeViolations(page, 'the restored note form');

    await navigate(page, button(page, 'Save'));
    await assertSaved(page, customer.id, 'note', 'The case note was saved.');
    const notes = section(page, 'Case notes');
    assert.equal(await notes.getByText(noteText).count(), 1, 'the note is saved once');
  });

  test('customer search: results update while typing (htmx) and the Search button works without JavaScript', async () => {
    const { page } = await env.newPage();
    await signInAs(page, 'caseworker');
    const customer = await worklistCustomer(page);
    const family = customer.name.split(',')[0];
    const prefix = family.slice(0, 3);

    await navigate(page, link(mainMenu(page), 'Customers'));
    assert.equal(pathname(page), '/customers');
    assert.equal(await textOf(page.locator('h1')), 'Customers');
    await expectNoAxeViolations(page, 'the empty search page');
    // A marker that a page load would lose.
    await page.evaluate(() => {
      window.stillTheSamePage = true;
    });
    await page.locator('#q').focus();
    await page.keyboard.type(prefix, { delay: 50 });
    const results = page.locator('#results');
    await results.locator(`a[href="/customers/${customer.id}"]`).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.stillTheSamePage), true, 'the results came without a page load');
    assert.match(await textOf(results.locator('h2')), /^\d+ customers? found$/);
    assert.equal(new URL(page.url()).searchParams.get('q'), prefix, 'the address follows the search');
    const plain = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    // Names are searched by their words: a typed "Al-" looks for words beginning with "al".
    const word = plain(prefix).split(/[ ,-]+/).filter(Boolean)[0];
    for (const row of await textsOf(results.locator('tbody tr td:first-child'))) {
      assert.ok(
        row.split(/[ ,-]+/).some((part) => plain(part).startsWith(word)),
        `every result has a name with a word starting with ${word}: ${row}`,
      );
    }
    await expectNoAxeViolations(page, 'the search results');
    await saveScreenshot(page, 'search');

    // Without JavaScript the Search button loads the results.
    const noJs = await env.newPage({ javaScriptEnabled: false });
    await signInAs(noJs.page, 'caseworker');
    await noJs.page.goto('/customers');
    await noJs.page.locator('#q').fill(prefix);
    const answered = await navigate(noJs.page, button(noJs.page.locator('main'), 'Search'));
    assert.equal(answered.status(), 200);
    assert.equal(pathname(noJs.page), '/customers');
    assert.equal(new URL(noJs.page.url()).searchParams.get('q'), prefix);
    assert.ok(
      (await noJs.page.locator(`#results a[href="/customers/${customer.id}"]`).count()) === 1,
      'the results list the customer',
    );
    assert.equal(await noJs.page.locator('#q').inputValue(), prefix, 'the search term stays in the field');
    // Axe needs JavaScript: check the same address in the JavaScript context.
    await page.goto(noJs.page.url());
    await expectNoAxeViolations(page, 'the search results loaded by the Search button');

    // A date of birth that is not a date says so.
    await noJs.page.locator('#q').fill('');
    await noJs.page.locator('#birth_date').fill('31.2.1990');
    const bad = await navigate(noJs.page, button(noJs.page.locator('main'), 'Search'));
    assert.equal(bad.status(), 400);
    assert.match(await textOf(noJs.page.locator('#results')), /Enter a real date/);
    await page.goto(noJs.page.url());
    await expectNoAxeViolations(page, 'the search page with an invalid date');
  });

  test('an administrator manages users at /admin/users; a caseworker is refused', async () => {
    const { page } = await env.newPage();
    await signInAs(page, 'admin');
    assert.equal(pathname(page), '/admin/users', 'an administrator starts from the users page');
    assert.equal(await textOf(page.locator('h1')), 'Users');
    const emails = await textsOf(page.locator('main table tbody tr td:nth-child(2)'));
    assert.ok(emails.includes(demoUser('caseworker').email), `the users table lists the demo caseworker: ${emails}`);
    await expectNoAxeViolations(page, 'the users page');
    await saveScreenshot(page, 'users');

    // An empty form: errors.
    const form = page.locator('form[action="/admin/users"]');
    await byLabel(form, 'Organisation').selectOption('');
    const refused = await navigate(page, button(form, 'Add the user'));
    assert.equal(refused.status(), 422);
    const summary = page.locator('#error-summary');
    assert.ok(await summary.isVisible(), 'the error summary is shown');
    assert.ok((await summary.getByRole('link').count()) > 0, 'the errors link to their fields');
    await expectNoAxeViolations(page, 'the users page with errors');

    const email = `new.caseworker.${Date.now()}@demo.kotopolku.invalid`;
    await byLabel(form, 'Name').fill('New Caseworker');
    await byLabel(form, 'E-mail').fill(email);
    await byLabel(form, 'Organisation').selectOption({ label: 'Demo integration services' });
    await byLabel(form, 'Role').selectOption({ label: 'Caseworker' });
    const created = await navigate(page, button(form, 'Add the user'));
    assert.equal(created.status(), 201);
    assert.equal(await page.locator('#error-summary').count(), 0, `no errors: ${await page.locator('main').innerText()}`);
    const password = await textOf(page.locator('#one-time-password'));
    assert.ok(password.length >= 12, 'a one-time password is shown');
    const row = page.locator('main table tbody tr').filter({ hasText: email });
    assert.equal(await row.count(), 1, 'the new user is in the table');
    assert.deepEqual((await textsOf(row.locator('td'))).slice(0, 3), ['New Caseworker', email, 'Caseworker']);
    await expectNoAxeViolations(page, 'the users page with the one-time password');
    // Shown once: the page loaded again does not show it.
    await page.goto('/admin/users');
    assert.equal(await page.locator('#one-time-password').count(), 0, 'the one-time password is shown only once');

    // A caseworker gets no users page.
    const caseworker = await env.newPage();
    await signInAs(caseworker.page, 'caseworker');
    assert.equal(await link(mainMenu(caseworker.page), 'Users').count(), 0, 'no Users link for a caseworker');
    const response = await caseworker.page.goto('/admin/users');
    assert.ok([403, 404].includes(response.status()), `a caseworker is refused, not answered ${response.status()}`);
    assert.ok(['Not allowed', 'Not found'].includes(await textOf(caseworker.page.locator('h1'))));
    assert.equal(await caseworker.page.getByText(demoUser('admin').email).count(), 0, 'no user list');
    await expectNoAxeViolations(caseworker.page, 'the refusal page');
  });

  test('axe finds nothing on the other pages of a customer: every record form empty and with errors, an opened record, editing, history', async () => {
    const { page } = await env.newPage();
    await signInAs(page, 'caseworker');
    const customer = await worklistCustomer(page);
    await page.goto(`/customers/${customer.id}`);
    await expectNoAxeViolations(page, 'a demo customer page');

    for (const kind of ['assessment', 'plan', 'programme', 'referral', 'note', 'appointment']) {
      const shown = await page.goto(`/customers/${customer.id}/records/new/${kind}`);
      assert.equal(shown.status(), 200, `the ${kind} form opens`);
      await expectNoAxeViolations(page, `the empty ${kind} form`);
      // Clear the prefilled dates so that something required is missing.
      for (const input of await page.locator('main form input.input-date').all()) {
        if ((await input.inputValue()) !== '') await input.fill('');
      }
      const refused = await navigate(page, button(page.locator('main'), 'Save'));
      assert.ok([409, 422].includes(refused.status()), `the ${kind} form with nothing filled is refused (${refused.status()})`);
      assert.ok(await page.locator('#error-summary').isVisible(), `the ${kind} form shows its errors`);
      for (const href of await page.locator('#error-summary a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))) {
        assert.equal(await page.locator(href).count(), 1, `the error link ${href} of the ${kind} form leads to a field`);
      }
      await expectNoAxeViolations(page, `the ${kind} form with errors`);
    }

    await page.goto(`/customers/${customer.id}`);
    const open = page.locator('main article .actions a').first();
    if ((await open.count()) > 0) {
      await navigate(page, open);
      assert.match(pathname(page), new RegExp(`^/customers/${customer.id}/records/[^/]+$`));
      await expectNoAxeViolations(page, 'an opened record');
    }
    await page.goto(`/customers/${customer.id}`);
    await navigate(page, link(page.locator('main'), 'Edit basic data'));
    assert.equal(await textOf(page.locator('h1')), 'Edit basic data');
    await expectNoAxeViolations(page, 'the basic data form');
    await page.goto(`/customers/${customer.id}`);
    await navigate(page, link(page.locator('main'), 'History of changes'));
    assert.equal(await textOf(page.locator('h1')), 'History of changes');
    await expectNoAxeViolations(page, 'the history of changes');

    // Ending the customership: its form, empty reason refused with the error at the field.
    await page.goto(`/customers/${customer.id}`);
    await navigate(page, link(page.locator('main'), 'End the customership'));
    assert.equal(await textOf(page.locator('h1')), 'End the customership');
    await expectNoAxeViolations(page, 'the end of customership form');
    const refused = await navigate(page, button(page.locator('main'), 'End the customership'));
    assert.equal(refused.status(), 422);
    assert.equal(await page.locator('#error-summary a[href="#f-reason"]').count(), 1);
    await expectNoAxeViolations(page, 'the end of customership form with errors');

    // The county involvement form on the customer page, opened.
    await page.goto(`/customers/${customer.id}`);
    await page.locator('#counties summary').click();
    await expectNoAxeViolations(page, 'the customer page with the county form open');

    // The person's own page.
    await navigate(page, page.locator('header a.account-link'));
    assert.equal(await textOf(page.locator('h1')), 'Your account');
    await expectNoAxeViolations(page, 'the account page');
  });
});
