// The Help Center home page in a real browser: it loads cleanly, shows the way to support and
// the customer portal, and its article links work.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, watchedPage } from './support.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  const exit = await server?.stop();
  if (exit) {
    assert.equal(exit.code, 0, `server exit code ${exit.code} (signal ${exit.signal}):\n${exit.stderr}`);
    assert.ok(!exit.sanitizer, `sanitizer report:\n${exit.stderr}`);
  }
}, { timeout: 30_000 });

test('home page loads without errors and shows the Help Center', { timeout: 30_000 }, async () => {
  const { context, page, problems } = await watchedPage(browser);
  try {
    const response = await page.goto(`${server.baseUrl}/`, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    assert.equal(await page.title(), 'Help Center · Portico');
    assert.ok(await page.getByRole('heading', { name: 'How can we help?' }).isVisible());
    const main = page.locator('main');
    assert.ok(await main.getByRole('link', { name: 'Communicate with Support' }).isVisible());
    assert.ok(await main.getByRole('link', { name: 'Go to customer portal' }).isVisible());
    assert.ok(await page.getByRole('searchbox', { name: 'Search the Help Center' }).isVisible());
    // The stylesheet applied (a page without CSS would still pass the checks above).
    const stylesheets = await page.evaluate(() => document.styleSheets.length);
    assert.ok(stylesheets >= 1, 'no stylesheet loaded');
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an article link on the home page opens the article', { timeout: 30_000 }, async () => {
  const { context, page, problems } = await watchedPage(browser);
  try {
    await page.goto(`${server.baseUrl}/`);
    // The article is listed under its category and may also be among popular or recent ones.
    await page.getByRole('link', { name: 'How to submit a ticket' }).first().click();
    await page.waitForURL(`${server.baseUrl}/articles/submit-a-ticket`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'How to submit a ticket');
    assert.equal(await page.title(), 'How to submit a ticket · Portico');
    const table = page.locator('article table');
    assert.ok(await table.isVisible(), 'the article table is not shown');
    assert.ok(await table.getByRole('cell', { name: 'Problem/Bug' }).isVisible());
    // The breadcrumb leads back to the home page.
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Help Center' }).click();
    await page.waitForURL(`${server.baseUrl}/`);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a missing article shows the 404 page', { timeout: 30_000 }, async () => {
  const { context, page } = await watchedPage(browser);
  try {
    const response = await page.goto(`${server.baseUrl}/articles/no-such-article`);
    assert.equal(response.status(), 404);
    assert.ok(await page.getByRole('heading', { name: 'Page not found' }).isVisible());
    await page.getByRole('link', { name: 'Go to the Help Center' }).click();
    await page.waitForURL(`${server.baseUrl}/`);
  } finally {
    await context.close();
  }
});

// Browsers ask every site for an icon; without one each page view logs a 404 in the console.
test('the site has an icon', { timeout: 30_000 }, async () => {
  const { context, page } = await watchedPage(browser);
  try {
    await page.goto(`${server.baseUrl}/`);
    const declared = await page.locator('link[rel~="icon"]').count();
    const fallback = await page.request.get(`${server.baseUrl}/favicon.ico`);
    assert.ok(declared > 0 || fallback.status() === 200,
      `no <link rel="icon"> and GET /favicon.ico is ${fallback.status()}`);
  } finally {
    await context.close();
  }
});
