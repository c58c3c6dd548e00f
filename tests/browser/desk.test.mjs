// The agent desk's organization filter in a real browser, on the demo data: typing part of a
// name fills the suggestions (htmx into a <datalist>), and filtering by the name narrows the queue.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, watchedPage, submitLogin } from './support.mjs';

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

test('the organization filter suggests names as one types and narrows the queue', { timeout: 60_000 }, async () => {
  const { context, page, problems } = await watchedPage(browser);
  try {
    await page.goto(`${server.baseUrl}/login?next=/desk%3Fqueue%3Dall`);
    await submitLogin(page, 'sam@portico.example', 'portico-demo');
    await page.waitForURL(`${server.baseUrl}/desk?queue=all`);
    const results = page.locator('.desk-main');
    assert.match(await results.textContent(), /Discount codes applied twice/);
    assert.match(await results.textContent(), /Shipment labels print with the wrong address/);

    const box = page.getByLabel('Organization');
    await box.fill('glob');
    await page.locator('#org-options option[value="Globex Retail"]').waitFor({ state: 'attached' });
    assert.deepEqual(await page.locator('#org-options option').evaluateAll(
      (options) => options.map((o) => o.value)), ['Globex Retail']);

    await box.fill('Globex Retail');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/[?&]org_name=Globex\+Retail(&|$)/);
    assert.match(await results.textContent(), /Discount codes applied twice/);
    assert.doesNotMatch(await results.textContent(), /Shipment labels print with the wrong address/);
    assert.equal(await box.inputValue(), 'Globex Retail');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
