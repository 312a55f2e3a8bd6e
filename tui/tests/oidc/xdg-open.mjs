#!/usr/bin/env node
// A stand-in for `xdg-open` in casting-tui's browser sign-in tests (they put
// an `xdg-open` that runs this first on PATH): it plays the user at the
// browser. Given the verification URL that casting-tui opens, it browses the
// provider's real pages with a cookie jar, as a browser would: confirms the
// device code, logs in, and approves (or cancels) the consent page.
//
//   CASTING_TEST_BROWSER_USER      account to log in as (default: director)
//   CASTING_TEST_BROWSER_DECISION  approve (default) | deny (cancels at consent)
//   CASTING_TEST_BROWSER_LOG       file this appends what it did to
//
// It never waits for input and gives up after 20 s.

import { appendFileSync } from 'node:fs';

const user = process.env.CASTING_TEST_BROWSER_USER || 'director';
const decision = process.env.CASTING_TEST_BROWSER_DECISION || 'approve';
const logFile = process.env.CASTING_TEST_BROWSER_LOG;

function log(line) {
  const text = `${new Date().toISOString()} ${line}\n`;
  if (logFile) appendFileSync(logFile, text);
  else process.stderr.write(text);
}

setTimeout(() => {
  log('FAILED: gave up after 20 s');
  process.exit(2);
}, 20_000).unref();

/** Cookies by name and the path they are sent to (enough for one host). */
const jar = new Map();

function remember(response) {
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attributes] = header.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let path = '/';
    let expired = false;
    for (const attribute of attributes) {
      const [key, val = ''] = attribute.split('=');
      if (key.toLowerCase() === 'path') path = val;
      if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true;
      if (key.toLowerCase() === 'expires' && Date.parse(val) <= Date.now()) expired = true;
    }
    const key = `${name} ${path}`;
    if (expired || value === '') jar.delete(key);
    else jar.set(key, { name, value, path });
  }
}

function cookieHeader(url) {
  const { pathname } = new URL(url);
  return [...jar.values()]
    .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
}

/** One request and its redirects; returns the final URL and page. */
async function browse(url, init = {}) {
  let current = url;
  let request = init;
  for (let hop = 0; hop < 20; hop += 1) {
    const response = await fetch(current, {
      ...request,
      redirect: 'manual',
      headers: { ...(request.headers ?? {}), cookie: cookieHeader(current) },
    });
    remember(response);
    log(`${request.method ?? 'GET'} ${current} -> ${response.status}`);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      current = new URL(location, current).href;
      request = {};
      continue;
    }
    return { url: current, status: response.status, html: await response.text() };
  }
  throw new Error('too many redirects');
}

function unescape(text) {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag, name) {
  const match = tag.match(new RegExp(`\\s${name}="([^"]*)"`, 'i'));
  return match ? unescape(match[1]) : undefined;
}

/** The page's first form: its action and its named inputs with their values. */
function firstForm(page) {
  const match = page.html.match(/<form\b([^>]*)>([\s\S]*?)<\/form>/i);
  if (!match) return undefined;
  const fields = {};
  for (const [tag] of match[2].matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(tag, 'name');
    if (name) fields[name] = attribute(tag, 'value') ?? '';
  }
  return {
    id: attribute(match[1], 'id'),
    action: new URL(attribute(match[1], 'action') ?? page.url, page.url).href,
    fields,
  };
}

function heading(page) {
  const match = page.html.match(/<h1>([\s\S]*?)<\/h1>/i);
  return match ? unescape(match[1].trim()) : `(no heading, status ${page.status})`;
}

async function submit(form) {
  log(`submit ${Object.keys(form.fields).join(', ')}`);
  return browse(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form.fields).toString(),
  });
}

async function main() {
  const start = process.argv[2];
  log(`open ${start} as ${user}, will ${decision}`);
  let page = await browse(start);
  for (let step = 0; step < 10; step += 1) {
    const title = heading(page);
    log(`page: ${title}`);
    const form = firstForm(page);
    // No form, or the form asking to type a code again: the flow is over.
    if (!form || form.id === 'op.deviceInputForm') {
      const said = page.html.match(/<p[^>]*>([\s\S]*?)<\/p>/i)?.[1] ?? '';
      log(`done: ${title}: ${unescape(said.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim())}`);
      return;
    }
    if (form.fields.confirm !== undefined) {
      // The device confirmation page shows the code the terminal shows.
      log(`device code on the page: ${page.html.match(/<code>([^<]*)<\/code>/)?.[1] ?? '?'}`);
    }
    if ('login' in form.fields) {
      form.fields.login = user;
      form.fields.password = 'any password';
    }
    if (form.fields.prompt === 'consent' && decision === 'deny') {
      const cancel = page.html.match(/<a href="([^"]*)">\[ Cancel \]<\/a>/);
      if (!cancel) throw new Error('no Cancel link on the consent page');
      log('cancel at consent');
      page = await browse(new URL(unescape(cancel[1]), page.url).href);
      continue;
    }
    page = await submit(form);
  }
  throw new Error('the sign-in did not finish in 10 pages');
}

main().then(
  () => process.exit(0),
  (error) => {
    log(`FAILED: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
