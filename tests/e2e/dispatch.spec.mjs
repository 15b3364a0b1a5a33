// Browser end-to-end test of the dispatch console and the field terminal, in headless
// Chromium (Debian's /usr/bin/chromium driven by playwright-core), against a real
// `keitsu serve`. Plain node script: exits non-zero on any failure, screenshots and logs in
// tests/e2e/out/. Whole run limited to 120 s.
//
//   KEITSU_BIN=/path/to/keitsu node dispatch.spec.mjs      (default: ../../build/keitsu)
//   CHROMIUM=/usr/bin/chromium  E2E_HEADED=1  E2E_SLOWMO=200  (optional)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const OUT = join(HERE, 'out');
const BIN = resolve(process.env.KEITSU_BIN || join(ROOT, 'build/keitsu'));
const LIMIT_MS = 120_000;
const STEP_MS = 15_000; // per wait
const T0 = Date.now();

const STATION = 'S-e2e-shinjuku';
const INCIDENT = { lat: 35.6900, lon: 139.7000 };
const NEAR = { lat: 35.6920, lon: 139.7010 }; // ~240 m from the incident: reported by the terminal
const START = { lat: 35.6960, lon: 139.7060 }; // ~870 m: where the near unit is created
const FAR = { lat: 35.7000, lon: 139.7150 };  // ~1.8 km

// an 8x8 red PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4IaCHFTEMLQkAvr9BgQuV42AAAAAASUVORK5CYII=', 'base64');

mkdirSync(OUT, { recursive: true });
const data = mkdtempSync(join(tmpdir(), 'keitsu-e2e-'));
const log = (...a) => console.log(`[${((Date.now() - T0) / 1000).toFixed(1).padStart(5)}s]`, ...a);
const pw = () => `e2e-${randomBytes(12).toString('hex')}`;

let server = null;
let browser = null;
const pages = {};
const browserLog = [];

async function cleanup() {
  try { if (browser) await browser.close(); } catch (_) { /* closing anyway */ }
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => { const t = setTimeout(() => { server.kill('SIGKILL'); r(); }, 3000); server.once('exit', () => { clearTimeout(t); r(); }); });
  }
  rmSync(data, { recursive: true, force: true });
}

async function fail(err) {
  console.error(`\nFAIL: ${err && err.stack ? err.stack : err}`);
  for (const [name, page] of Object.entries(pages)) {
    try {
      const f = join(OUT, `failure-${name}.png`);
      await page.screenshot({ path: f, fullPage: true });
      console.error(`screenshot: ${f}`);
    } catch (_) { /* page gone */ }
  }
  writeFileSync(join(OUT, 'browser.log'), browserLog.join('\n') + '\n');
  if (browserLog.length) console.error(`browser log (last 30 lines, all in ${join(OUT, 'browser.log')}):\n${browserLog.slice(-30).join('\n')}`);
  console.error(`server log: ${join(OUT, 'server.log')}`);
  await cleanup();
  process.exit(1);
}

const watchdog = setTimeout(() => fail(new Error(`time limit of ${LIMIT_MS / 1000} s exceeded`)), LIMIT_MS);

function keitsu(args, input) {
  const r = spawnSync(BIN, args, { input, encoding: 'utf8', cwd: ROOT, timeout: 20_000 });
  if (r.status !== 0) throw new Error(`keitsu ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function startServer() {
  return new Promise((res, rej) => {
    const logf = createWriteStream(join(OUT, 'server.log'));
    server = spawn(BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const t = setTimeout(() => rej(new Error(`server did not print "serving on" in 20 s:\n${seen}`)), 20_000);
    const on = (chunk) => {
      logf.write(chunk);
      if (seen.length < 65536) seen += chunk.toString();
      const m = /serving on (http:\/\/[^\s]+)/.exec(seen);
      if (m) { clearTimeout(t); res(m[1].replace(/\/$/, '')); }
    };
    server.stdout.on('data', on);
    server.stderr.on('data', on);
    server.once('exit', (code) => { clearTimeout(t); rej(new Error(`server exited (${code}) before serving:\n${seen}`)); });
  });
}

async function http(base, method, path, token, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let j = null;
  try { j = text ? JSON.parse(text) : null; } catch (_) { j = text; }
  if (!r.ok) throw new Error(`${method} ${path} → ${r.status} ${text}`);
  return j;
}

async function login(page, base, user, password) {
  await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
  await page.locator('#login-user').fill(user);
  await page.locator('#login-password').fill(password);
  await page.locator('#login-submit').click();
}

function watch(page, name) {
  pages[name] = page;
  page.on('console', (m) => browserLog.push(`[${name}] console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => browserLog.push(`[${name}] pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!r.url().endsWith('/api/v1/events')) browserLog.push(`[${name}] requestfailed: ${r.method()} ${r.url()} ${r.failure() && r.failure().errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) browserLog.push(`[${name}] HTTP ${r.status()} ${r.request().method()} ${r.url()}`); });
}

async function main() {
  log(`keitsu binary: ${BIN}`);
  const users = {
    sup: { role: 'supervisor', password: pw() },
    disp: { role: 'dispatcher', password: pw() },
    pc1: { role: 'officer', password: pw(), station: STATION },
  };
  for (const [name, u] of Object.entries(users)) {
    const args = ['user', 'add', '--data', data, name, '--role', u.role];
    if (u.station) args.push('--station', u.station);
    keitsu(args, u.password + '\n');
  }
  log('users added');
  const base = await startServer();
  log(`server at ${base}`);

  // ---- set up a station and two units over the API, as the supervisor ----
  const sup = (await http(base, 'POST', '/api/v1/sessions', null, { user: 'sup', password: users.sup.password })).token;
  await http(base, 'POST', '/api/v1/stations', sup, {
    id: STATION, name: 'E2E新宿警察署',
    area: { type: 'Polygon', coordinates: [[[139.68, 35.68], [139.73, 35.68], [139.73, 35.71], [139.68, 35.71], [139.68, 35.68]]] },
  });
  const near = (await http(base, 'POST', '/api/v1/units', sup, { callsign: 'E2E新宿1', kind: 'patrol_car', station: STATION, ...START })).id;
  const far = (await http(base, 'POST', '/api/v1/units', sup, { callsign: 'E2E新宿2', kind: 'patrol_car', station: STATION, ...FAR })).id;
  assert.ok(near && far, 'unit ids');
  const codes = await http(base, 'GET', '/api/v1/dispatch/codes', sup);
  const type = (codes.incident_types.find((x) => x.code === 'robbery') ||
                codes.incident_types.find((x) => (x.unit_kinds || []).includes('patrol_car')) || codes.incident_types[0]);
  const onSceneLabel = codes.unit_statuses.find((x) => x.code === 'on_scene').label;
  log(`station ${STATION}, units ${near} (near) and ${far} (far), type ${type.code}`);

  // ---- browsers ----
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: !process.env.E2E_HEADED,
    slowMo: Number(process.env.E2E_SLOWMO || 0),
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const ctxC = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const ctxT = await browser.newContext({ viewport: { width: 1100, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  ctxC.setDefaultTimeout(STEP_MS);
  ctxT.setDefaultTimeout(STEP_MS);
  const con = await ctxC.newPage();
  const term = await ctxT.newPage();
  watch(con, 'console');
  watch(term, 'terminal');

  // console: dispatcher logs in, live feed connected, both units on the board
  await login(con, base, 'disp', users.disp.password);
  await con.locator('#console-view').waitFor({ state: 'visible' });
  await con.locator('#conn-status[data-state="live"]').waitFor();
  await con.locator(`[data-testid="unit-row"][data-id="${near}"]`).waitFor();
  await con.locator(`[data-testid="unit-marker"][data-id="${near}"]`).waitFor();
  await con.evaluate(() => { window.__e2eNoReload = 'console'; });
  log('console: logged in, live');

  // terminal: the officer signs on to the nearest unit before any order exists
  await login(term, base, 'pc1', users.pc1.password);
  await term.locator('#terminal-view').waitFor({ state: 'visible' });
  await term.locator(`[data-testid="signon-btn"][data-unit="${near}"]`).click();
  await term.locator('#unit-view').waitFor({ state: 'visible' });
  await term.locator('#term-status[data-status="available"]').waitFor();
  await term.locator('#conn-status[data-state="live"]').waitFor();
  await term.evaluate(() => { window.__e2eNoReload = 'terminal'; });
  assert.equal(await term.locator('#order-none').isVisible(), true, 'no order yet');
  assert.equal(await term.locator('[data-testid="status-btn-on_scene"]').isDisabled(), true, '現着 disabled while available');
  log('terminal: signed on to ' + near);

  // terminal: report a position by hand; the console's map follows live
  await term.locator('#pos-lat').fill(String(NEAR.lat));
  await term.locator('#pos-lon').fill(String(NEAR.lon));
  await term.locator('#pos-send').click();
  await term.locator('#pos-state:not(:empty)').waitFor();
  await con.locator(`[data-testid="unit-marker"][data-id="${near}"][data-lat="${NEAR.lat.toFixed(5)}"][data-lon="${NEAR.lon.toFixed(5)}"]`).waitFor();
  log('terminal: position sent; console marker moved');

  // console: take a 110 call with the form (F2), location by clicking would also do
  await con.keyboard.press('F2');
  await con.locator('#intake-form').waitFor({ state: 'visible' });
  await con.locator('#intake-caller').fill('09012345678');
  await con.locator('#intake-lat').fill(String(INCIDENT.lat));
  await con.locator('#intake-lon').fill(String(INCIDENT.lon));
  await con.locator('#intake-uncertainty').fill('30');
  await con.locator('#intake-address').fill('東京都新宿区西新宿二丁目8番1号');
  await con.locator('#intake-type').selectOption(type.code);
  await con.locator('#intake-narrative').fill('コンビニに刃物を持った男が押し入った');
  await con.locator('#intake-submit').click();
  await con.locator('[data-testid="intake-created"]').waitFor();
  const incId = await con.locator('#intake-result').getAttribute('data-id');
  assert.match(incId || '', /^I-/, 'incident id');
  log(`console: call taken → ${incId}`);

  // the incident on the map and in the queue
  await con.locator(`#map [data-testid="incident-marker"][data-id="${incId}"]`).waitFor();
  await con.locator(`[data-testid="queue-row"][data-id="${incId}"]`).waitFor();
  await con.locator(`#incident-detail[data-id="${incId}"] #detail-status[data-status="open"]`).waitFor();
  const created = await con.locator('#detail-info').textContent();
  assert.match(created, /令和\d+年\d+月\d+日 \d\d:\d\d:\d\d/, 'JST time with 和暦 date in the detail');

  // recommendations: the nearest unit first; dispatch it in one click
  await con.locator('#rec-load').click();
  const firstRec = con.locator('[data-testid="rec-row"]').first();
  await firstRec.waitFor();
  assert.equal(await firstRec.getAttribute('data-unit'), near, 'nearest unit recommended first');
  await firstRec.locator('[data-testid="dispatch-btn"]').click();
  await con.locator(`[data-testid="unit-row"][data-id="${near}"][data-status="dispatched"]`).waitFor();
  await con.locator('#detail-status[data-status="dispatched"]').waitFor();
  log('console: dispatched ' + near);

  // terminal: the order arrives live; acknowledge; 現着
  await term.locator(`#order-panel[data-incident="${incId}"]`).waitFor();
  assert.equal((await term.locator('#order-incident').textContent()).trim(), incId);
  await term.locator('#term-status[data-status="dispatched"]').waitFor();
  await term.locator('#ack-btn').click();
  await term.locator('#ack-state[data-acked="1"]').waitFor();
  assert.equal(await term.locator('[data-testid="status-btn-transporting"]').isDisabled(), true, '搬送 disabled while dispatched');
  await term.locator('[data-testid="status-btn-on_scene"]').click();
  await term.locator('#term-status[data-status="on_scene"]').waitFor();
  log('terminal: order seen, acknowledged, 現着');

  // console, live: the unit shows 現着, the incident on scene, the acknowledgement
  const uStatus = con.locator(`[data-testid="unit-row"][data-id="${near}"] [data-testid="unit-status"]`);
  await con.locator(`[data-testid="unit-row"][data-id="${near}"] [data-testid="unit-status"][data-status="on_scene"]`).waitFor();
  assert.equal((await uStatus.textContent()).trim(), onSceneLabel, 'unit board label');
  await con.locator(`[data-testid="queue-row"][data-id="${incId}"][data-status="on_scene"]`).waitFor();
  await con.locator('#detail-status[data-status="on_scene"]').waitFor();
  await con.locator(`[data-testid="detail-unit"][data-id="${near}"] [data-testid="detail-unit-ack"][data-acked="1"]`).waitFor();
  log('console: unit 現着 and incident on scene, live');

  // terminal → console text; console → terminal text
  const fromField = `現着。被疑者は北へ逃走 ${randomBytes(3).toString('hex')}`;
  await term.locator('#term-msg-text').fill(fromField);
  await term.locator('#term-msg-send').click();
  await con.locator('#incident-detail').getByText(fromField).first().waitFor();
  const fromRoom = `了解、応援を向かわせる <b>${randomBytes(3).toString('hex')}</b>`;
  await con.locator('#msg-text').fill(fromRoom);
  await con.locator('#msg-send').click();
  await term.locator('#term-messages').getByText(fromRoom).first().waitFor();
  assert.equal(await term.locator('#term-messages b').count(), 0, 'message text is not parsed as HTML');
  log('messages: terminal → console timeline, console → terminal');

  // a photo from the terminal shows in the console as a thumbnail (fetched with the token)
  await term.locator('#term-photo').setInputFiles({ name: 'scene.png', mimeType: 'image/png', buffer: PNG });
  await term.locator('#term-photo-send').click();
  const thumb = con.locator('#detail-attachments [data-testid="attachment-image"][src^="blob:"]').first();
  await thumb.waitFor();
  await con.waitForFunction((img) => img.complete && img.naturalWidth === 8, await thumb.elementHandle());
  log('photo: terminal → console thumbnail');

  // still the same pages: everything above came over the live feed, no reload
  assert.equal(await con.evaluate(() => window.__e2eNoReload), 'console', 'console page was not reloaded');
  assert.equal(await term.evaluate(() => window.__e2eNoReload), 'terminal', 'terminal page was not reloaded');

  await con.screenshot({ path: join(OUT, 'console.png') });
  await term.screenshot({ path: join(OUT, 'terminal.png') });
  log(`PASS (screenshots in ${OUT})`);
}

main().then(async () => {
  clearTimeout(watchdog);
  writeFileSync(join(OUT, 'browser.log'), browserLog.join('\n') + '\n');
  await cleanup();
  process.exit(0);
}, fail);
