// An SMTP sink for the browser tests (scripts/smtp-sink.py on 127.0.0.1, delivering into a
// Maildir), a small MIME reader for what it stores, and a helper that starts the server with the
// demo data and its outbox pointed at the sink.
//
//   const sink = await startMailSink();
//   const server = await startServerWithMail(sink);   // support.mjs's startServer + --smtp-url
//   const mail = await sink.waitFor((m) => m.to === 'alice@acme.example' && ...);
//   await server.stop(); await sink.stop();

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './support.mjs';

const sourceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- MIME ---------------------------------------------------------------------------------

function splitHead(raw) {
  const at = raw.indexOf('\r\n\r\n');
  if (at < 0) return { head: raw, body: '' };
  return { head: raw.slice(0, at), body: raw.slice(at + 4) };
}

// Header lines, unfolded, as [name (lower case), value] in order.
function parseHeaders(head) {
  const out = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && out.length) {
      out[out.length - 1][1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return out;
}

function decodeQuotedPrintable(text) {
  const bytes = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'latin1'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// RFC 2047 encoded words ("=?utf-8?b?...?=", "=?utf-8?q?...?="); whitespace between two encoded
// words is dropped.
export function decodeHeader(value) {
  const word = /=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g;
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(word, (_, _charset, encoding, text) => {
      if (encoding.toLowerCase() === 'b') return Buffer.from(text, 'base64').toString('utf8');
      return decodeQuotedPrintable(text.replace(/_/g, ' '));
    });
}

function param(value, name) {
  const match = new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i').exec(value || '');
  return match ? match[1] : null;
}

// The leaf parts of a MIME entity: [{ type, text }], bodies decoded to strings.
function leafParts(raw) {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const get = (name) => headers.find(([n]) => n === name)?.[1];
  const contentType = get('content-type') || 'text/plain';
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = param(contentType, 'boundary');
    if (!boundary) return [];
    const pieces = body.split(`--${boundary}`);
    // pieces[0] is the preamble; the one starting with "--" is the epilogue.
    return pieces.slice(1).filter((p) => !p.startsWith('--'))
      .flatMap((p) => leafParts(p.replace(/^\r\n/, '').replace(/\r\n$/, '')));
  }
  const encoding = (get('content-transfer-encoding') || '7bit').toLowerCase();
  let text;
  if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') text = decodeQuotedPrintable(body);
  else text = Buffer.from(body, 'latin1').toString('utf8');
  return [{ type, text: text.replace(/\r\n/g, '\n') }];
}

// One stored message: { file, raw, headers, to (envelope recipient), subject, text, html }.
export function parseMail(raw, file = '') {
  const { head } = splitHead(raw);
  const headers = parseHeaders(head);
  const get = (name) => headers.find(([n]) => n === name)?.[1] ?? '';
  const parts = leafParts(raw);
  return {
    file,
    raw,
    headers,
    to: get('delivered-to').toLowerCase(),
    toHeader: decodeHeader(get('to')),
    subject: decodeHeader(get('subject')),
    text: parts.filter((p) => p.type === 'text/plain').map((p) => p.text).join('\n'),
    html: parts.filter((p) => p.type === 'text/html').map((p) => p.text).join('\n'),
  };
}

// ---- The sink -------------------------------------------------------------------------------

export async function startMailSink() {
  const dir = await mkdtemp(path.join(tmpdir(), 'portico-mail-'));
  const maildir = path.join(dir, 'Maildir');
  const portFile = path.join(dir, 'port');
  const child = spawn('/usr/bin/python3', [path.join(sourceDir, 'scripts', 'smtp-sink.py'),
    '--port', '0', '--maildir', maildir, '--port-file', portFile],
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
    throw new Error(`the SMTP sink did not start within 15 s; its stderr:\n${stderr}`);
  }

  const cache = new Map();  // file name -> parsed message (files never change once in new/)
  async function messages() {
    const names = (await readdir(path.join(maildir, 'new')).catch(() => [])).sort();
    for (const name of names) {
      if (!cache.has(name)) {
        const raw = await readFile(path.join(maildir, 'new', name), 'latin1');
        cache.set(name, parseMail(raw, name));
      }
    }
    return names.map((name) => cache.get(name));
  }

  return {
    port,
    smtpUrl: `smtp://127.0.0.1:${port}`,
    maildir,
    stderr: () => stderr,
    messages,
    // The first message matching `predicate`, polling until `timeout` ms have passed.
    async waitFor(predicate, { timeout = 15_000, what = 'a matching e-mail' } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const found = (await messages()).find(predicate);
        if (found) return found;
        if (Date.now() > deadline) {
          const seen = (await messages()).map((m) => `  ${m.to}: ${m.subject}`).join('\n');
          throw new Error(`no ${what} at the SMTP sink within ${timeout} ms; it holds:\n${seen}`);
        }
        await sleep(100);
      }
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exit;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
      return { ...exited, stderr };
    },
  };
}

// support.mjs's server (fresh SQLite database with the demo data), with its outbox delivering to
// the sink.
export function startServerWithMail(sink) {
  return startServer({ extraArgs: ['--smtp-url', sink.smtpUrl] });
}
