// Starts a throw-away Kotopolku demo server for one test file: its own SQLite file in a temporary
// directory, a free loopback port, and synthetic customers. `startServer()` resolves once GET /healthz
// answers 200; `server.stop()` ends the process and removes the directory.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const DEFAULT_BINARY = path.join(REPO_ROOT, 'target', 'debug', 'kotopolku');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** A port that was free a moment ago on 127.0.0.1 (the server binding it may still lose a race). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function healthy(baseUrl) {
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Every server started by this process, so that none outlives it even when a test file crashes. */
const running = new Set();
function killAll() {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killAll);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => {
    killAll();
    process.exit(code);
  });
}

async function startOnce({ binary, customers, seed }) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kotopolku-browser-'));
  const args = [
    'demo',
    '--database-url', `sqlite://${path.join(dir, 'demo.db')}`,
    '--bind', `127.0.0.1:${port}`,
    '--customers', String(customers),
  ];
  if (seed !== undefined) args.push('--seed', String(seed));

  const child = spawn(binary, args, {
    cwd: dir,
    env: { ...process.env, KOTOPOLKU_LOG: process.env.KOTOPOLKU_LOG || 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 100_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve(exited);
    });
    child.on('error', (error) => {
      exited = { code: null, signal: null, error };
      running.delete(child);
      resolve(exited);
    });
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const server = {
    baseUrl,
    port,
    dir,
    output: () => output,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exit;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) {
      fs.rmSync(dir, { recursive: true, force: true });
      const why = exited.error ? exited.error.message : `exit code ${exited.code}, signal ${exited.signal}`;
      const error = new Error(`kotopolku demo stopped before answering (${why}):\n${output}`);
      error.addressInUse = /address already in use|AddrInUse/i.test(output);
      throw error;
    }
    if (await healthy(baseUrl)) return server;
    await sleep(200);
  }
  await server.stop();
  throw new Error(`kotopolku demo did not answer GET /healthz within ${START_TIMEOUT_MS} ms:\n${output}`);
}

/**
 * Starts `kotopolku demo` (the binary at KOTOPOLKU_BIN, else target/debug/kotopolku) and waits until it
 * is healthy. Options: customers (default 40), seed (the binary's default when unset).
 */
async function startServer({ customers = 40, seed } = {}) {
  const binary = process.env.KOTOPOLKU_BIN || DEFAULT_BINARY;
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} is missing: build it with \`cargo build --locked --bin kotopolku\` (scripts/test-browser does)`);
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce({ binary, customers, seed });
    } catch (error) {
      // Another process may have taken the port between the probe and the bind: try another one.
      if (!error.addressInUse || attempt >= 3) throw error;
    }
  }
}

module.exports = { startServer, REPO_ROOT };
