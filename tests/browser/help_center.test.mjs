// The Help Center in a real browser, on the demo data: search with snippets, "Go to customer
// portal" for a logged-in and a logged-out visitor, article suggestions while typing a ticket's
// subject, "Was this helpful?", and the editor's live preview.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, watchedPage, submitLogin } from './support.mjs';

const kPassword = 'portico-demo';

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

async function loggedInPage(email) {
  const watched = await watchedPage(browser);
  await watched.page.goto(`${server.baseUrl}/login`);
  await submitLogin(watched.page, email, kPassword);
  await watched.page.waitForURL(`${server.baseUrl}/tickets`, { timeout: 30_000 });
  return watched;
}

test('search finds an article by a word in its body and shows the snippet', { timeout: 60_000 }, async () => {
  const { context, page, problems } = await watchedPage(browser);
  try {
    await page.goto(`${server.baseUrl}/`);
    // "screenshots" is only in the body of "How to submit a ticket", not in any title.
    const box = page.getByRole('searchbox', { name: 'Search the Help Center' });
    await box.fill('screenshots');
    await box.press('Enter');
    await page.waitForURL(`${server.baseUrl}/search?q=screenshots`);
    const results = page.locator('#search-results');
    const hit = results.getByRole('link', { name: 'How to submit a ticket' });
    assert.ok(await hit.isVisible());
    const snippet = results.locator('.snippet').first();
    assert.match(await snippet.textContent(), /attach screenshots or logs/);
    assert.equal(await snippet.locator('mark').first().textContent(), 'screenshots');

    // The box on the search page updates the results as one types (htmx), and the address
    // follows so that the results can be shared.
    const live = page.getByRole('searchbox', { name: 'Search the Help Center' });
    await live.fill('workaround');
    await results.getByRole('link', { name: 'How to confirm a fix' }).waitFor();
    await page.waitForURL(/\/search\?q=workaround$/);
    assert.equal(await results.locator('mark').first().textContent(), 'workaround');

    // A search with no match says so and offers a way on.
    await live.fill('xylophone');
    await results.getByText('No articles match “xylophone”.').waitFor();

    // The result opens the article, which carries the same search box.
    await page.goto(`${server.baseUrl}/search?q=screenshots`);
    await page.locator('#search-results').getByRole('link', { name: 'How to submit a ticket' }).click();
    await page.waitForURL(`${server.baseUrl}/articles/submit-a-ticket`);
    assert.ok(await page.getByRole('searchbox', { name: 'Search the Help Center' }).isVisible());
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a logged-in customer goes from the Help Center to their tickets without logging in again', { timeout: 90_000 }, async () => {
  const { context, page, problems } = await loggedInPage('alice@acme.example');
  try {
    await page.goto(`${server.baseUrl}/`);
    await page.locator('main').getByRole('link', { name: 'Go to customer portal' }).click();
    await page.waitForURL(`${server.baseUrl}/tickets`);
    assert.ok(await page.getByRole('heading', { level: 1, name: 'Your tickets' }).isVisible());
    assert.ok(await page.getByRole('link', { name: 'Shipment labels print with the wrong address' }).isVisible());
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a logged-out visitor is sent through login and lands on their ticket list', { timeout: 90_000 }, async () => {
  const { context, page, problems } = await watchedPage(browser);
  try {
    await page.goto(`${server.baseUrl}/`);
    await page.locator('main').getByRole('link', { name: 'Go to customer portal' }).click();
    await page.waitForURL(/\/login\?next=%2Ftickets$/);
    assert.ok(await page.getByRole('heading', { name: 'Log in' }).isVisible());
    await submitLogin(page, 'alice@acme.example', kPassword);
    await page.waitForURL(`${server.baseUrl}/tickets`, { timeout: 30_000 });
    assert.ok(await page.getByRole('heading', { level: 1, name: 'Your tickets' }).isVisible());
    assert.ok(await page.getByRole('link', { name: 'Shipment labels print with the wrong address' }).isVisible());
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('typing a subject on the ticket form suggests a matching article', { timeout: 90_000 }, async () => {
  const { context, page, problems } = await loggedInPage('bob@acme.example');
  try {
    await page.goto(`${server.baseUrl}/tickets/new`);
    const subject = page.getByLabel('Subject');
    await subject.pressSequentially('How do I confirm the fix', { delay: 20 });
    const suggestions = page.locator('#suggestions');
    const link = suggestions.getByRole('link', { name: /How to confirm a fix/ });
    await link.waitFor();
    assert.ok(await suggestions.getByText('These articles may answer your question').isVisible());

    // The article opens beside the form, so that what was typed stays.
    const [article] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await article.waitForLoadState();
    assert.match(article.url(), /\/articles\/confirm-a-fix\?from=suggest$/);
    assert.ok(await article.getByText('We suggested this article for the ticket you are writing').isVisible());
    assert.equal(await subject.inputValue(), 'How do I confirm the fix');

    // "Was this helpful?" answers in place (htmx) and is counted once.
    await article.getByRole('button', { name: 'Yes' }).click();
    await article.getByText('Thank you for your feedback.').waitFor();
    assert.equal(article.url(), `${server.baseUrl}/articles/confirm-a-fix?from=suggest`);
    await article.reload();
    assert.ok(await article.getByText('Thank you for your feedback.').isVisible());
    assert.equal(await article.getByRole('button', { name: 'Yes' }).count(), 0);
    await article.close();

    // Words that match nothing clear the suggestions.
    await subject.fill('qwertyuiop');
    await page.waitForFunction(() => document.querySelector('#suggestions').children.length === 0);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the article editor previews Markdown as it is typed and saves a draft', { timeout: 90_000 }, async () => {
  const { context, page, problems } = await loggedInPage('admin@portico.example');
  try {
    await page.goto(`${server.baseUrl}/admin/help/articles/new`);
    await page.getByLabel('Title').fill('Browser test draft');
    await page.getByLabel('Category').selectOption({ label: 'Working with tickets' });
    await page.getByLabel('Text (Markdown)').fill('Some **bold words** and <script>window.pwned = 1</script>');
    const preview = page.locator('#article-preview');
    await preview.locator('strong', { hasText: 'bold words' }).waitFor();
    assert.equal(await preview.locator('script').count(), 0);
    await page.getByRole('button', { name: 'Create article' }).click();
    await page.waitForURL(/\/admin\/help\/articles\/\d+\?done=created$/);
    assert.ok(await page.getByText('The article is created.').isVisible());
    assert.equal(await page.getByLabel('Address').inputValue(), 'browser-test-draft');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }

  // A draft does not exist for visitors.
  const visitor = await watchedPage(browser);
  try {
    const response = await visitor.page.goto(`${server.baseUrl}/articles/browser-test-draft`);
    assert.equal(response.status(), 404);
  } finally {
    await visitor.context.close();
  }
});
