// One demo server and one Chromium per test file: call `setup()` at the top of a test file; it registers
// before/after hooks and returns an object whose fields are filled in once they have run.
'use strict';

const { before, after, afterEach } = require('node:test');
const { startServer } = require('./server');
const { launchBrowser, newContext } = require('./browser');

function setup({ customers = 40 } = {}) {
  const env = {
    server: null,
    browser: null,
    contexts: [],
    /** A new context (closed after the test) and a page in it. */
    async newPage(options = {}) {
      const context = await newContext(env.browser, env.server.baseUrl, options);
      env.contexts.push(context);
      const page = await context.newPage();
      return { context, page };
    },
  };

  before(async () => {
    env.server = await startServer({ customers });
    env.browser = await launchBrowser();
  });

  afterEach(async () => {
    const contexts = env.contexts.splice(0);
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  });

  after(async () => {
    if (env.browser) await env.browser.close().catch(() => {});
    if (env.server) await env.server.stop();
  });

  return env;
}

module.exports = { setup };
