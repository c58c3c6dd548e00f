// Issue 3's acceptance walk in a real browser, with mail delivered to a real SMTP sink: an admin
// invites a customer → the invitation e-mail arrives → its Create password link opens with the
// e-mail address pre-filled and read-only → a weak password is refused with the reason → a good
// one registers and lands in the Ticket Portal → log out → log in again with the new password.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, watchedPage, submitLogin } from './support.mjs';
import { startMailSink, startServerWithMail } from './mail_sink.mjs';

const kInvitee = 'dora.invited@acme.example';
const kPassword = 'lantern-harbour-violet';

let sink;
let server;
let browser;

before(async () => {
  sink = await startMailSink();
  server = await startServerWithMail(sink);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
});

async function logIn(page, email, password) {
  await page.goto(`${server.baseUrl}/login`);
  await submitLogin(page, email, password);
}

test('invitation e-mail → Create password → portal → log out → log in', { timeout: 120_000 }, async () => {
  // The admin invites a customer of Acme Logistics.
  const admin = await watchedPage(browser);
  await logIn(admin.page, 'admin@portico.example', 'portico-demo');
  await admin.page.goto(`${server.baseUrl}/admin/users/invite`);
  await admin.page.locator('#emails').fill(kInvitee);
  await admin.page.locator('#name').fill('Dora Invited');
  await admin.page.locator('#role').selectOption('customer');
  await admin.page.locator('#organization').selectOption({ label: 'Acme Logistics' });
  await admin.page.getByRole('button', { name: 'Send invitations' }).click();
  await admin.page.waitForLoadState('load');
  assert.match(await admin.page.content(), /dora\.invited@acme\.example/);
  await admin.context.close();

  // The e-mail reaches the SMTP sink with a Create password link.
  const mail = await sink.waitFor((m) => m.to.includes(kInvitee), { what: 'the invitation' });
  const link = /(https?:\/\/[^\s"<>]*\/create-password\?token=[0-9a-f]{64})/.exec(mail.text)?.[1];
  assert.ok(link, `no Create password link in the invitation:\n${mail.text}`);
  const url = new URL(link);

  // The invitee follows it: the address is filled in and cannot be changed.
  const { context, page, problems } = await watchedPage(browser);
  await page.goto(`${server.baseUrl}${url.pathname}${url.search}`);
  const email = page.locator('#email');
  assert.equal(await email.inputValue(), kInvitee);
  assert.equal(await email.getAttribute('readonly'), '');

  // A weak password is refused, with the rule that failed.
  await page.locator('#password').fill('short');
  await page.locator('#password_confirm').fill('short');
  await page.locator('#password').evaluate((el) => el.removeAttribute('minlength'));
  await page.getByRole('button', { name: 'Create password' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('.form-error').textContent(), /too short/);
  await page.locator('#password').evaluate((el) => el.removeAttribute('minlength'));
  await page.locator('#password').fill('password123');
  await page.locator('#password_confirm').fill('password123');
  await page.getByRole('button', { name: 'Create password' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('.form-error').textContent(), /commonly used/);

  // A good password registers, logs in and lands in the Ticket Portal.
  await page.locator('#password').fill(kPassword);
  await page.locator('#password_confirm').fill(kPassword);
  await page.getByRole('button', { name: 'Create password' }).click();
  await page.waitForURL(`${server.baseUrl}/tickets`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Your tickets');

  // The link works once.
  const again = await page.goto(`${server.baseUrl}${url.pathname}${url.search}`);
  assert.equal(again.status(), 410);

  // Log out, then log in with the new password.
  await page.goto(`${server.baseUrl}/tickets`);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(`${server.baseUrl}/`);
  await logIn(page, kInvitee, kPassword);
  await page.waitForURL(`${server.baseUrl}/tickets`);
  assert.match(await page.content(), /Dora Invited/);
  // The refused passwords (400) and the used link (410) are expected error responses.
  assert.deepEqual(problems.filter((p) => !/(status of|HTTP) (400|410)/.test(p)), []);
  await context.close();
});
