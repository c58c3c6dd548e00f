// Shared set-up for the browser tests: a Portico server on a fresh SQLite database with the demo
// data, and a headless Chromium. Everything is bounded by timeouts.
//
//   PORTICO_BINARY   the server binary (default: build/sanitize/portico in the source folder)
//   CHROMIUM         the browser (default: /usr/bin/chromium)

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const sourceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = process.env.PORTICO_BINARY
  ? path.resolve(process.env.PORTICO_BINARY)
  : path.join(sourceDir, 'build', 'sanitize', 'portico');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const sanitizerMarkers = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:'];

// Starts `portico serve` on 127.0.0.1:0 with `portico demo` loaded. Returns
// { baseUrl, stop() }; stop() sends SIGTERM and resolves to { code, signal, stderr, sanitizer }.
export async function startServer({ extraArgs = [] } = {}) {
  if (!existsSync(binary)) throw new Error(`no server binary at ${binary} (set PORTICO_BINARY)`);
  const dir = await mkdtemp(path.join(tmpdir(), 'portico-browser-'));
  const databaseUrl = `sqlite:${path.join(dir, 'portico.db')}`;
  await promisify(execFile)(binary, ['demo', '--database-url', databaseUrl, '--log-level', 'warn'],
    { timeout: 60_000 });

  const portFile = path.join(dir, 'port');
  const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--port-file', portFile,
    '--database-url', databaseUrl, '--log-level', 'warn', ...extraArgs],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));

  let port = 0;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && !exited;) {
    const text = await readFile(portFile, 'utf8').catch(() => '');
    if (text.endsWith('\n')) {
      port = Number.parseInt(text, 10);
      break;
    }
    await sleep(20);
  }
  if (!port) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`the server did not start within 15 s; its stderr:\n${stderr}`);
  }

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
      return { ...exited, stderr, sanitizer: sanitizerMarkers.some((m) => stderr.includes(m)) };
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
}

// A new page that records everything that went wrong while it was used: console errors,
// uncaught exceptions, failed requests and HTTP error responses.
export async function watchedPage(browser) {
  const context = await browser.newContext();
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location()?.url || '';
    // Chromium fetches /favicon.ico on its own schedule, so its outcome is checked by a test of
    // its own instead of racing here.
    if (where.endsWith('/favicon.ico')) return;
    problems.push(`console error: ${message.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('requestfailed', (request) => {
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { context, page, problems };
}

// Fills and submits the login form of the page the browser is on (a login page reached by a
// redirect keeps its `next`). The caller waits for where it expects to land.
export async function submitLogin(page, email, password) {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}
