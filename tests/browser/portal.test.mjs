// The Ticket Portal in a real browser (issue 4's acceptance walk), on the demo data:
// Alice (Acme Logistics) submits a ticket with an attachment and Bob as CC, finds it in her list
// (by ID, by a subject word, by a word only in a reply), switches the View and Status filters,
// replies with an attachment and downloads it; Bob sees the ticket (CC'd) while a ticket he is
// not on shows only in his organization view; Carol (Globex Retail) gets 404 on the ticket, on
// its attachment and finds nothing in search.
//
// The steps share one server and run in order; each customer has a browser context of their own.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer, launchBrowser, watchedPage, submitLogin } from './support.mjs';

const kPassword = 'portico-demo';
const kColumns = ['Ticket ID', 'Subject', 'Created', 'Last Activity', 'Status'];
const kNotified = 'Support Team (Notified)';
const kNotifiedDefinition =
  'Your ticket is in our support queue and a support agent will start investigating it.';

// Words chosen to appear nowhere in the demo data: one in the subject, one only in a reply.
const kSubject = 'Pallet scanner freezes on the kumquat screen';
const kSubjectWord = 'kumquat';
const kReplyWord = 'marzipan';
const kFirstFile = { name: 'scanner-log.txt', mimeType: 'text/plain', buffer: Buffer.from('scanner log line 1\nscanner log line 2\n') };
const kReplyFile = { name: 'shelf-photo-notes.csv', mimeType: 'text/csv', buffer: Buffer.from('shelf,scanner,frozen\nA3,HS-20,yes\nB7,HS-20,no\n') };

// Other Acme tickets of the demo data.
const kAliceShared = 'Shipment labels print with the wrong address';  // Alice's, Bob CC'd
const kAliceOther = 'Request: single sign-on with our identity provider';  // Alice's, Bob not CC'd
const kBobWaiting = 'Export to CSV times out';                        // Bob's, Waiting on Customer
const kBobClosed = 'Password reset e-mail never arrives';             // Bob's, Closed

let server;
let browser;
const state = {};  // what the steps learn: ticket id, attachment URLs, pages
const sessions = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
}, { timeout: 90_000 });

after(async () => {
  for (const s of sessions) await s.context.close().catch(() => {});
  await browser?.close();
  const exit = await server?.stop();
  if (exit) {
    assert.equal(exit.code, 0, `server exit code ${exit.code} (signal ${exit.signal}):\n${exit.stderr}`);
    assert.ok(!exit.sanitizer, `sanitizer report:\n${exit.stderr}`);
  }
}, { timeout: 30_000 });

// A logged-in customer in a browser context of their own (kept open for the later steps).
async function logIn(email) {
  const watched = await watchedPage(browser);
  const { page } = watched;
  await page.goto(`${server.baseUrl}/login`);
  await submitLogin(page, email, kPassword);
  await page.waitForURL(`${server.baseUrl}/tickets`, { timeout: 30_000 });
  sessions.push(watched);
  return watched;
}

// Problems other than the ones a step provoked on purpose (an expected 404 shows both as a
// response and as a console message).
function unexpected(problems, expected = []) {
  return problems.filter((p) => !expected.some((e) => p.includes(e)));
}

async function settled(watched, expected = []) {
  await watched.page.waitForLoadState('networkidle');
  assert.deepEqual(unexpected(watched.problems, expected), []);
}

const results = (page) => page.locator('#ticket-results');
const rowFor = (page, subject) => results(page).locator('tbody tr')
  .filter({ has: page.getByRole('link', { name: subject, exact: true }) });
const subjects = async (page) => (await results(page).locator('tbody tr td.subject-cell > a').allTextContents())
  .map((s) => s.trim());

// Changes one control of the list and waits for htmx to swap the results and push the address.
async function updateList(page, change, urlPattern) {
  const swapped = page.waitForResponse((r) => r.url().includes('/tickets?')
    && r.request().headers()['hx-request'] === 'true', { timeout: 10_000 });
  await change();
  await swapped;
  await page.waitForURL(urlPattern);
  // The swap happens after the response; the pushed address comes after the swap.
  await page.waitForFunction(() => !document.querySelector('#ticket-results.htmx-swapping, #ticket-results.htmx-settling'));
}

test('Alice submits a ticket with an attachment and Bob as CC', { timeout: 90_000 }, async () => {
  const alice = await logIn('alice@acme.example');
  state.alice = alice;
  const { page } = alice;
  await page.getByRole('link', { name: 'Communicate with Support' }).first().click();
  await page.waitForURL(`${server.baseUrl}/tickets/new`);
  await page.getByLabel('Problem/Bug').check();
  await page.locator('#subject').fill(kSubject);
  await page.locator('#description').fill('The handheld scanner stops responding when the **pick list** opens.');
  await page.locator('#attachments').setInputFiles(kFirstFile);
  await page.locator('#cc').fill('bob@acme.example');
  await page.getByRole('button', { name: 'Submit ticket' }).click();
  await page.waitForURL(/\/tickets\/\d+\?created=1$/, { timeout: 15_000 });
  state.id = Number(/\/tickets\/(\d+)/.exec(page.url())[1]);
  state.url = `${server.baseUrl}/tickets/${state.id}`;

  assert.match(await page.getByRole('status').first().textContent(), /your ticket has been created/);
  assert.equal((await page.locator('h1').textContent()).replace(/\s+/g, ' ').trim(), `#${state.id} ${kSubject}`);
  const facts = page.locator('.ticket-side dl.facts');
  assert.equal((await facts.locator('.status').first().textContent()).trim(), kNotified);
  assert.equal((await facts.locator('.hint').first().textContent()).trim(), kNotifiedDefinition);
  // The description is Markdown, rendered.
  assert.equal(await page.locator('.thread .prose strong').first().textContent(), 'pick list');
  // The attachment is on the first message, with its size and type.
  const file = page.locator('.thread .attachments li').filter({ hasText: kFirstFile.name });
  assert.match(await file.textContent(), /text\/plain/);
  state.firstAttachment = await file.getByRole('link').getAttribute('href');
  assert.match(state.firstAttachment, new RegExp(`^/tickets/${state.id}/attachments/\\d+$`));
  // Bob is on the CC list.
  assert.match(await page.locator('#ccs .cc-list').textContent(), /Bob Brown\s+bob@acme\.example/);
  await settled(alice);
});

test('the ticket is in Alice\'s list with the five columns', { timeout: 60_000 }, async () => {
  const { page } = state.alice;
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Your tickets' }).click();
  await page.waitForURL(`${server.baseUrl}/tickets`);
  const headers = (await results(page).locator('table thead th').allTextContents()).map((h) => h.replace(/[▲▼]/g, '').trim());
  assert.deepEqual(headers, kColumns);
  const row = rowFor(page, kSubject);
  assert.equal(await row.count(), 1);
  const cells = row.locator('td');
  assert.equal(await cells.count(), 5);
  assert.equal((await cells.nth(0).textContent()).trim(), `#${state.id}`);
  assert.equal((await cells.nth(1).textContent()).trim(), kSubject);
  // Created and Last Activity are times with the exact time available.
  for (const i of [2, 3]) {
    const time = cells.nth(i).locator('time');
    assert.match(await time.getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/);
    assert.ok((await time.getAttribute('title')).length > 0);
  }
  // Status with its definition on hover/focus.
  const status = cells.nth(4).locator('.status');
  assert.equal((await status.evaluate((el) => el.firstChild.textContent)).trim(), kNotified);
  await status.focus();
  const tip = status.getByRole('tooltip');
  assert.equal((await tip.textContent()).trim(), kNotifiedDefinition);
  assert.ok(await tip.isVisible(), 'the status definition is not shown on focus');
  // Alice's own other ticket is there; Bob's are not (default view: created by me or CC'd).
  const listed = await subjects(page);
  assert.ok(listed.includes(kAliceOther), listed.join(' | '));
  assert.ok(!listed.includes(kBobWaiting), listed.join(' | '));
  await settled(state.alice);
});

test('Alice finds the ticket by its ID and by a word of its subject', { timeout: 60_000 }, async () => {
  const { page } = state.alice;
  await page.goto(`${server.baseUrl}/tickets`);
  const box = page.getByRole('searchbox', { name: 'Search' });

  await updateList(page, () => box.fill(String(state.id)), new RegExp(`[?&]q=${state.id}(&|$)`));
  assert.deepEqual(await subjects(page), [kSubject]);

  await updateList(page, () => box.fill(kSubjectWord), new RegExp(`[?&]q=${kSubjectWord}(&|$)`));
  assert.deepEqual(await subjects(page), [kSubject]);
  assert.equal(await rowFor(page, kSubject).locator('mark').first().textContent(), kSubjectWord);

  // The state lives in the URL: reloading it shows the same results, without htmx.
  await page.reload();
  assert.equal(await box.inputValue(), kSubjectWord);
  assert.deepEqual(await subjects(page), [kSubject]);

  // A word in no ticket gives an empty state that says what to do.
  await updateList(page, () => box.fill('xylophonist'), /[?&]q=xylophonist(&|$)/);
  assert.equal(await results(page).locator('tbody tr').count(), 0);
  assert.match(await results(page).textContent(), /No tickets match your search/);
  await settled(state.alice);
});

test('Alice replies with an attachment and downloads it', { timeout: 60_000 }, async () => {
  const { page } = state.alice;
  await page.goto(`${server.baseUrl}/tickets`);
  await rowFor(page, kSubject).getByRole('link', { name: kSubject }).click();
  await page.waitForURL(state.url);
  await page.locator('#body').fill(`It also happens on the ${kReplyWord} shelf; notes attached.`);
  await page.locator('#attachments').setInputFiles(kReplyFile);
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.waitForURL(`${state.url}?done=reply#latest`);
  assert.match(await page.getByRole('status').first().textContent(), /Your reply has been added/);

  const messages = page.locator('.thread > li');
  assert.equal(await messages.count(), 2);
  const reply = messages.nth(1);
  assert.match(await reply.textContent(), new RegExp(kReplyWord));
  const link = reply.locator('.attachments a', { hasText: kReplyFile.name });
  state.replyAttachment = await link.getAttribute('href');

  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), kReplyFile.name);
  const saved = await download.path();
  assert.deepEqual(await readFile(saved), kReplyFile.buffer);
  assert.equal(download.url(), `${server.baseUrl}${state.replyAttachment}`);

  // Served as an attachment, with nosniff.
  const response = await page.request.get(`${server.baseUrl}${state.replyAttachment}`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-disposition'], /^attachment/);
  assert.equal(response.headers()['x-content-type-options'], 'nosniff');
  const first = await page.request.get(`${server.baseUrl}${state.firstAttachment}`);
  assert.deepEqual(await first.body(), kFirstFile.buffer);
  await settled(state.alice);
});

test('Alice finds the ticket by a word only in her reply', { timeout: 60_000 }, async () => {
  const { page } = state.alice;
  await page.goto(`${server.baseUrl}/tickets`);
  const box = page.getByRole('searchbox', { name: 'Search' });
  await updateList(page, () => box.fill(kReplyWord), new RegExp(`[?&]q=${kReplyWord}(&|$)`));
  assert.deepEqual(await subjects(page), [kSubject]);
  const snippet = rowFor(page, kSubject).locator('.snippet');
  assert.match(await snippet.textContent(), new RegExp(`${kReplyWord} shelf`));
  assert.equal(await snippet.locator('mark').first().textContent(), kReplyWord);
  await settled(state.alice);
});

test('Alice switches the View and Status filters', { timeout: 60_000 }, async () => {
  const { page } = state.alice;
  await page.goto(`${server.baseUrl}/tickets`);
  const view = page.locator('#view');
  const status = page.locator('#status');
  assert.equal(await view.inputValue(), 'mine');
  assert.equal(await status.inputValue(), 'all');

  // My organization: Bob's tickets appear too.
  await updateList(page, () => view.selectOption('organization'), /[?&]view=organization(&|$)/);
  let listed = await subjects(page);
  for (const s of [kSubject, kAliceOther, kBobWaiting, kBobClosed]) assert.ok(listed.includes(s), `${s} not in ${listed.join(' | ')}`);

  // Pending on me, in the organization: Bob's ticket waiting on the customer, nothing else.
  await updateList(page, () => status.selectOption('pending-me'), /[?&]status=pending-me(&|$)/);
  assert.deepEqual(await subjects(page), [kBobWaiting]);

  // Closed.
  await updateList(page, () => status.selectOption('closed'), /[?&]status=closed(&|$)/);
  assert.deepEqual(await subjects(page), [kBobClosed]);

  // Pending on support: the new ticket, not the waiting or closed ones.
  await updateList(page, () => status.selectOption('pending-support'), /[?&]status=pending-support(&|$)/);
  listed = await subjects(page);
  assert.ok(listed.includes(kSubject), listed.join(' | '));
  assert.ok(!listed.includes(kBobWaiting) && !listed.includes(kBobClosed), listed.join(' | '));

  // Back to "Created by me or CC'd": Pending on me is empty, and the empty state says what to do.
  await updateList(page, () => view.selectOption('mine'), /[?&]view=mine(&|$)/);
  await updateList(page, () => status.selectOption('pending-me'), /[?&]status=pending-me(&|$)/);
  assert.equal(await results(page).locator('tbody tr').count(), 0);
  assert.match(await results(page).textContent(), /No tickets here yet\. Change the View or Status filter/);

  // The back button returns to the previous filter (the state is in the URL).
  await page.goBack();
  await page.waitForURL(/[?&]status=pending-support(&|$)/);
  await settled(state.alice);
});

test('without JavaScript the list is a plain GET form with an Apply button', { timeout: 60_000 }, async () => {
  // Same login cookie, a context without JavaScript.
  const cookies = await state.alice.context.cookies();
  const context = await browser.newContext({ javaScriptEnabled: false });
  context.setDefaultTimeout(10_000);
  try {
    await context.addCookies(cookies);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/tickets`);
    await page.locator('#q').fill(kReplyWord);
    await page.locator('#view').selectOption('organization');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/\/tickets\?/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('q'), kReplyWord);
    assert.equal(url.searchParams.get('view'), 'organization');
    assert.deepEqual(await subjects(page), [kSubject]);
  } finally {
    await context.close();
  }
});

test('Bob, CC\'d, sees the ticket; a ticket he is not on shows only in the organization view', { timeout: 90_000 }, async () => {
  const bob = await logIn('bob@acme.example');
  const { page } = bob;
  let listed = await subjects(page);
  // His default view: his own tickets and the ones he is CC'd on (the demo CCs him on one).
  for (const s of [kSubject, kAliceShared, kBobWaiting, kBobClosed]) {
    assert.ok(listed.includes(s), `"${s}" missing from Bob's list: ${listed.join(' | ')}`);
  }
  assert.ok(!listed.includes(kAliceOther), `Bob sees Alice's other ticket in "mine": ${listed.join(' | ')}`);

  await updateList(page, () => page.locator('#view').selectOption('organization'), /[?&]view=organization(&|$)/);
  listed = await subjects(page);
  assert.ok(listed.includes(kAliceOther), `not in Bob's organization view: ${listed.join(' | ')}`);
  assert.ok(listed.includes(kSubject));

  // He can open it, sees both messages and can download the attachment.
  const response = await page.goto(state.url);
  assert.equal(response.status(), 200);
  assert.equal(await page.locator('.thread > li').count(), 2);
  const file = await page.request.get(`${server.baseUrl}${state.replyAttachment}`);
  assert.equal(file.status(), 200);
  // And search finds it for him too.
  await page.goto(`${server.baseUrl}/tickets?q=${kReplyWord}`);
  assert.deepEqual(await subjects(page), [kSubject]);
  await settled(bob);
});

test('Carol, of another organization, gets 404 on the ticket, its attachments and in search', { timeout: 90_000 }, async () => {
  const carol = await logIn('carol@globex.example');
  const { page } = carol;
  const missing = await page.goto(`${server.baseUrl}/tickets/999999`);
  assert.equal(missing.status(), 404);
  const missingTitle = await page.locator('h1').textContent();

  const response = await page.goto(state.url);
  assert.equal(response.status(), 404);
  // Exactly like a missing ticket: nothing of it leaks.
  assert.equal(await page.locator('h1').textContent(), missingTitle);
  const html = await page.content();
  for (const leak of [kSubject, kSubjectWord, kReplyWord, 'Alice', 'Acme']) {
    assert.ok(!html.includes(leak), `the 404 page shows "${leak}"`);
  }

  for (const href of [state.firstAttachment, state.replyAttachment]) {
    const file = await page.request.get(`${server.baseUrl}${href}`);
    assert.equal(file.status(), 404, `${href} for Carol`);
    assert.ok(!(await file.text()).includes('scanner'), 'the attachment leaks');
  }

  for (const view of ['mine', 'organization']) {
    for (const q of [kSubjectWord, kReplyWord, String(state.id)]) {
      const list = await page.goto(`${server.baseUrl}/tickets?view=${view}&status=all&q=${q}`);
      assert.equal(list.status(), 200);
      assert.equal(await results(page).locator('tbody tr').count(), 0, `Carol finds "${q}" (${view})`);
      assert.match(await results(page).textContent(), /No tickets match your search/);
    }
  }
  await settled(carol, [
    `HTTP 404: ${server.baseUrl}/tickets/999999`,
    `HTTP 404: ${state.url}`,
    `404 (Not Found) (${server.baseUrl}/tickets/999999)`,
    `404 (Not Found) (${state.url})`,
  ]);
});

test('no console errors in any customer\'s browser', async () => {
  for (const s of sessions) {
    const errors = s.problems.filter((p) => (p.startsWith('console error') || p.startsWith('uncaught'))
      && !p.includes('the server responded with a status of 404'));
    assert.deepEqual(errors, []);
  }
});
