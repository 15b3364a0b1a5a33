// Browser end-to-end test of the console's later features, in headless Chromium against real
// `keitsu serve` processes: incident correction (訂正, also by map click), the unit board keeping
// an open status dropdown across live updates, 緊急配備 (CAP alert: download, banner in a second
// console, area on the map), EIDO export → import, the supervisors' response-time report,
// English code labels, and — when nats-server is installed — a second prefecture (site
// "osaka") that shows the wide-area copy as 他県, read-only, and the alert from tokyo.
// Plain node script like dispatch.spec.mjs: exits non-zero on failure; screenshots and logs in
// tests/e2e/out/ (extra-*.png, extra-browser.log, extra-server-*.log). Limited to 60 s.
//
//   KEITSU_BIN=/path/to/keitsu node console_extra.spec.mjs   (default: ../../build/keitsu)
//   CHROMIUM=/usr/bin/chromium  NATS_SERVER=/usr/sbin/nats-server  E2E_HEADED=1  (optional)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const OUT = join(HERE, 'out');
const BIN = resolve(process.env.KEITSU_BIN || join(ROOT, 'build/keitsu'));
const NATS = process.env.NATS_SERVER || ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));
const LIMIT_MS = 60_000;
const STEP_MS = 10_000;
const T0 = Date.now();

const WEST = 'S-e2e-west', EAST = 'S-e2e-east';
const INCIDENT = { lat: 35.6900, lon: 139.7000 };   // in WEST
const UNIT_AT = { lat: 35.6920, lon: 139.7010 };
const UNIT_MOVED = { lat: 35.6930, lon: 139.7020 };

mkdirSync(OUT, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'keitsu-e2e-extra-'));
const log = (...a) => console.log(`[${((Date.now() - T0) / 1000).toFixed(1).padStart(5)}s]`, ...a);
const pw = () => `e2e-${randomBytes(12).toString('hex')}`;

const procs = [];
let browser = null;
const pages = {};
const browserLog = [];

async function stopProc(p) {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGTERM');
  await new Promise((r) => { const t = setTimeout(() => { p.kill('SIGKILL'); r(); }, 3000); p.once('exit', () => { clearTimeout(t); r(); }); });
}

async function cleanup() {
  try { if (browser) await browser.close(); } catch (_) { /* closing anyway */ }
  for (const p of procs.reverse()) await stopProc(p);
  rmSync(tmp, { recursive: true, force: true });
}

async function fail(err) {
  console.error(`\nFAIL: ${err && err.stack ? err.stack : err}`);
  for (const [name, page] of Object.entries(pages)) {
    try {
      const f = join(OUT, `extra-failure-${name}.png`);
      await page.screenshot({ path: f, fullPage: true });
      console.error(`screenshot: ${f}`);
    } catch (_) { /* page gone */ }
  }
  writeFileSync(join(OUT, 'extra-browser.log'), browserLog.join('\n') + '\n');
  if (browserLog.length) console.error(`browser log (last 30 lines):\n${browserLog.slice(-30).join('\n')}`);
  await cleanup();
  process.exit(1);
}

const watchdog = setTimeout(() => fail(new Error(`time limit of ${LIMIT_MS / 1000} s exceeded`)), LIMIT_MS);

function keitsu(args, input) {
  const r = spawnSync(BIN, args, { input, encoding: 'utf8', cwd: ROOT, timeout: 20_000 });
  if (r.status !== 0) throw new Error(`keitsu ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

async function startNats() {
  const port = await freePort();
  const p = spawn(NATS, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  procs.push(p);
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => { const c = connect(port, '127.0.0.1', () => { c.end(); r(true); }); c.on('error', () => r(false)); });
    if (ok) return `nats://127.0.0.1:${port}`;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('nats-server did not start');
}

// Adds users, starts `keitsu serve`; resolves to { base, users }.
function startSite(name, agency, users, extra) {
  const data = join(tmp, name);
  mkdirSync(data);
  for (const [u, x] of Object.entries(users)) {
    const args = ['user', 'add', '--data', data, u, '--role', x.role, '--agency', agency];
    if (x.station) args.push('--station', x.station);
    keitsu(args, x.password + '\n');
  }
  return new Promise((res, rej) => {
    const logf = createWriteStream(join(OUT, `extra-server-${name}.log`));
    const p = spawn(BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0', ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(p);
    let seen = '';
    const t = setTimeout(() => rej(new Error(`${name}: no "serving on" in 20 s:\n${seen}`)), 20_000);
    const on = (chunk) => {
      logf.write(chunk);
      if (seen.length < 65536) seen += chunk.toString();
      const m = /serving on (http:\/\/[^\s]+)/.exec(seen);
      if (m) { clearTimeout(t); res({ base: m[1].replace(/\/$/, ''), users }); }
    };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    p.once('exit', (code) => { clearTimeout(t); rej(new Error(`${name} exited (${code}) before serving:\n${seen}`)); });
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

const token = async (site, user) => (await http(site.base, 'POST', '/api/v1/sessions', null, { user, password: site.users[user].password })).token;

function watch(page, name) {
  pages[name] = page;
  page.on('console', (m) => browserLog.push(`[${name}] console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => browserLog.push(`[${name}] pageerror: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) browserLog.push(`[${name}] HTTP ${r.status()} ${r.request().method()} ${r.url()}`); });
  page.on('dialog', (d) => d.accept()); // window.confirm before issuing an alert
}

async function openConsole(ctx, site, user, name) {
  const page = await ctx.newPage();
  watch(page, name);
  await page.goto(site.base + '/', { waitUntil: 'domcontentloaded' });
  await page.locator('#login-user').fill(user);
  await page.locator('#login-password').fill(site.users[user].password);
  await page.locator('#login-submit').click();
  await page.locator('#console-view').waitFor({ state: 'visible' });
  await page.locator('#conn-status[data-state="live"]').waitFor();
  return page;
}

async function main() {
  log(`keitsu binary: ${BIN}; nats-server: ${NATS || 'none (second prefecture skipped)'}`);
  const nats = NATS ? await startNats() : null;
  const tokyoUsers = { disp: { role: 'dispatcher', password: pw() }, sup: { role: 'supervisor', password: pw() } };
  const [tokyo, osaka] = await Promise.all([
    startSite('tokyo', '警視庁', tokyoUsers, nats ? ['--site', 'tokyo', '--nats', nats] : []),
    nats ? startSite('osaka', '大阪府警察', { odisp: { role: 'dispatcher', password: pw() } }, ['--site', 'osaka', '--nats', nats]) : null,
  ]);
  log(`tokyo at ${tokyo.base}${osaka ? `, osaka at ${osaka.base}` : ''}`);

  // ---- tokyo: two stations, a unit, a wide-area incident dispatched and on scene ----
  const sup = await token(tokyo, 'sup'), disp = await token(tokyo, 'disp');
  const box = (w, e) => ({ type: 'Polygon', coordinates: [[[w, 35.68], [e, 35.68], [e, 35.71], [w, 35.71], [w, 35.68]]] });
  await http(tokyo.base, 'POST', '/api/v1/stations', sup, { id: WEST, name: 'E2E西署', area: box(139.68, 139.73) });
  await http(tokyo.base, 'POST', '/api/v1/stations', sup, { id: EAST, name: 'E2E東署', area: box(139.73, 139.78) });
  const unit = (await http(tokyo.base, 'POST', '/api/v1/units', sup, { callsign: 'E2E西1', kind: 'patrol_car', station: WEST, ...UNIT_AT })).id;
  const inc = (await http(tokyo.base, 'POST', '/api/v1/incidents', disp, {
    type: 'robbery', ...INCIDENT, uncertainty_m: 20, address: '東京都新宿区西新宿一丁目', narrative: '刃物を持った男が逃走', wide_area: true })).id;
  await http(tokyo.base, 'POST', `/api/v1/incidents/${inc}/dispatch`, disp, { units: [unit] });
  await http(tokyo.base, 'POST', `/api/v1/units/${unit}/status`, disp, { status: 'on_scene' });
  log(`tokyo: ${inc} (wide-area) with ${unit} on scene`);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: !process.env.E2E_HEADED,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const newCtx = async () => {
    const c = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', acceptDownloads: true });
    c.setDefaultTimeout(STEP_MS);
    return c;
  };
  const [ctxA, ctxB, ctxC] = await Promise.all([newCtx(), newCtx(), osaka ? newCtx() : null]);
  const [con, supCon, osakaCon] = await Promise.all([
    openConsole(ctxA, tokyo, 'disp', 'dispatcher'),
    openConsole(ctxB, tokyo, 'sup', 'supervisor'),
    osaka ? openConsole(ctxC, osaka, 'odisp', 'osaka') : null,
  ]);
  log('consoles live: tokyo dispatcher, tokyo supervisor' + (osaka ? ', osaka dispatcher' : ''));

  // ---- 訂正: the dispatcher corrects the address and the station ----
  await con.locator(`[data-testid="queue-row"][data-id="${inc}"]`).click();
  await con.locator(`#incident-detail[data-id="${inc}"] #detail-version[data-version]`).waitFor();
  const v0 = Number(await con.locator('#detail-version').getAttribute('data-version'));
  assert.equal(await con.locator('#detail-station').getAttribute('data-station'), WEST);
  const fixed = `東京都新宿区西新宿二丁目8番1号 ${randomBytes(2).toString('hex')}`;
  await con.locator('#correct-open').click();
  await con.locator('#correct-form').waitFor({ state: 'visible' });
  assert.equal(await con.locator('#correct-address').inputValue(), '東京都新宿区西新宿一丁目', 'form prefilled');
  await con.locator('#correct-address').fill(fixed);
  await con.locator('#correct-station').selectOption(EAST);
  await con.locator('#correct-submit').click();
  await con.locator('#correct-form').waitFor({ state: 'hidden' });
  await con.locator(`#detail-address:text-is("${fixed}")`).waitFor();
  await con.locator(`#detail-station[data-station="${EAST}"]`).waitFor();
  await con.locator(`#detail-version[data-version="${v0 + 1}"]`).waitFor();
  await con.locator('#detail-timeline [data-testid="timeline-entry"][data-kind="updated"]').first().waitFor();
  // live in the supervisor's queue
  await supCon.locator(`[data-testid="queue-row"][data-id="${inc}"] td.addr .addr-text:text-is("${fixed}")`).waitFor();
  log(`訂正: address and station corrected (v${v0 + 1}), seen live by the supervisor`);

  // correction by map click: the picked point fills the form (then cancelled)
  await con.locator('#correct-open').click();
  const latBefore = await con.locator('#correct-lat').inputValue();
  const mapBox = await con.locator('#map').boundingBox();
  await con.mouse.click(mapBox.x + mapBox.width * 0.3, mapBox.y + mapBox.height * 0.4);
  await con.locator('[data-testid="correct-pick-marker"]').waitFor();
  assert.notEqual(await con.locator('#correct-lat').inputValue(), latBefore, 'map click sets the corrected latitude');
  await con.locator('#correct-cancel').click();
  await con.locator('[data-testid="correct-pick-marker"]').waitFor({ state: 'detached' });
  log('訂正: map click picks the location');

  // ---- unit board: an open status dropdown survives live position updates ----
  await con.evaluate((u) => {
    window.__sel = document.querySelector(`[data-testid="unit-row"][data-id="${u}"] [data-testid="unit-status-set"]`);
    window.__sel.focus();
  }, unit);
  await http(tokyo.base, 'POST', `/api/v1/units/${unit}/position`, disp, UNIT_MOVED);
  await con.locator(`[data-testid="unit-marker"][data-id="${unit}"][data-lat="${UNIT_MOVED.lat.toFixed(5)}"]`).waitFor();
  assert.equal(await con.evaluate(() => window.__sel.isConnected && document.activeElement === window.__sel), true,
    'the status dropdown stays in place and focused across a unit update');
  await con.evaluate(() => window.__sel.blur());
  log('unit board: row updated in place');

  // ---- 緊急配備: issue a CAP alert, download it, banner in the other consoles ----
  const headline = `緊急配備 強盗 西新宿 ${randomBytes(2).toString('hex')}`;
  await con.locator('#alert-open').click();
  await con.locator('#alert-headline').fill(headline);
  await con.locator('#alert-description').fill('刃物を持った男、黒い服、北へ逃走');
  await con.locator('#alert-radius').selectOption('1000');
  await con.locator('path.alert-preview').waitFor();
  const [dl] = await Promise.all([con.waitForEvent('download'), con.locator('#alert-submit').click()]);
  assert.match(dl.suggestedFilename(), /^CAP-keitsu-.+-\d+\.xml$/, 'CAP file name');
  const capXml = readFileSync(await dl.path(), 'utf8');
  assert.match(capXml, /<alert xmlns="urn:oasis:names:tc:emergency:cap:1\.2">/, 'CAP 1.2');
  assert.ok(capXml.includes(`<headline>${headline}</headline>`), 'CAP headline');
  assert.match(capXml, /<circle>35\.69,139\.7 1<\/circle>/, 'CAP circle: 1 km around the incident');
  await con.locator('#alert-cap-download').waitFor();
  await supCon.locator(`#alert-banner[data-origin="local"] #alert-banner-headline:text-is("${headline}")`).waitFor();
  await supCon.locator('#map path.alert-circle').waitFor();
  await con.locator(`#alert-banner #alert-banner-headline:text-is("${headline}")`).waitFor();
  await con.locator('#detail-timeline [data-testid="timeline-entry"][data-kind="alert"]').first().waitFor();
  await supCon.locator('#alert-banner-list').click();
  await supCon.locator(`#alerts-list [data-testid="alert-row"] [data-testid="alert-row-headline"]:text-is("${headline}")`).waitFor();
  await supCon.locator('#alert-banner-ack').click();
  await supCon.locator('#alert-banner').waitFor({ state: 'hidden' });
  await supCon.locator('#alerts-close').click();
  log('緊急配備: CAP downloaded; banner, list and area in the supervisor\'s console');

  // ---- the second prefecture: the alert from tokyo, the wide-area copy read-only ----
  if (osakaCon) {
    await osakaCon.locator('#alert-banner[data-origin="remote"]').waitFor();
    assert.equal(await osakaCon.locator('#alert-banner-headline').textContent(), headline);
    assert.match(await osakaCon.locator('#alert-banner-origin').textContent(), /tokyo/);
    const copyRow = osakaCon.locator('[data-testid="queue-row"][data-remote="1"]').first();
    await copyRow.waitFor();
    await copyRow.locator('[data-testid="remote-flag"]').waitFor();
    await copyRow.click();
    await osakaCon.locator('#incident-detail[data-remote="1"] [data-testid="detail-remote-flag"]').waitFor();
    await osakaCon.locator(`#detail-address:text-is("${fixed}")`).waitFor(); // the copy follows the correction
    for (const sel of ['#correct-open', '#alert-open', '#close-submit', '#rec-load', '#msg-send']) {
      assert.equal(await osakaCon.locator(sel).isVisible(), false, `${sel} hidden on another prefecture's copy`);
    }
    log('osaka: tokyo\'s alert in the banner (他県), the copy marked 他県 and read-only');
  }

  // ---- EIDO: export the incident, import the file → a new incident opens ----
  const [eidoDl] = await Promise.all([con.waitForEvent('download'), con.locator('#eido-export').click()]);
  assert.equal(eidoDl.suggestedFilename(), `EIDO-${inc}.json`);
  const eido = JSON.parse(readFileSync(await eidoDl.path(), 'utf8'));
  assert.equal(eido.eidoVersion.split('.')[0], '1', 'EIDO version 1.x');
  await con.locator('#eido-import-file').setInputFiles({ name: 'incident.eido.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(eido)) });
  await con.locator(`#incident-detail:not([data-id="${inc}"]) #detail-id`).waitFor();
  const imported = (await con.locator('#detail-id').textContent()).trim();
  assert.match(imported, /^I-/, 'imported incident opened');
  await con.locator(`#detail-address:text-is("${fixed}")`).waitFor();
  log(`EIDO: exported ${inc}, imported as ${imported}`);

  // ---- リスポンス・タイム: the supervisor's report ----
  await supCon.locator('#report-open').click();
  await supCon.locator('#report-panel').waitFor({ state: 'visible' });
  assert.match(await supCon.locator('#report-from-wareki').textContent(), /^令和\d+年\d+月\d+日$/, '和暦 next to the date');
  await supCon.locator('#report-submit').click();
  await supCon.locator('#report-count[data-count]').waitFor();
  const count = Number(await supCon.locator('#report-count').getAttribute('data-count'));
  assert.ok(count >= 1, `report count ${count} ≥ 1`);
  const mean = (await supCon.locator('[data-testid="report-row"][data-metric="call_to_dispatch"] [data-testid="report-mean"]').textContent()).trim();
  assert.match(mean, /^\d+:\d\d$/, `call→dispatch mean as m:ss (${mean})`);
  assert.equal(await con.locator('#report-open').isVisible(), false, 'no report button for a dispatcher');
  log(`report: ${count} incidents, call→dispatch mean ${mean}`);

  // ---- English: code labels from label_en / category_en ----
  await supCon.locator('#lang-toggle').click();
  await supCon.locator(`[data-testid="queue-row"][data-id="${inc}"] .pri:text-is("Emergency")`).waitFor();
  await supCon.locator(`[data-testid="queue-row"][data-id="${inc}"] td:text-is("Robbery ◆")`).waitFor();
  assert.equal((await supCon.locator('[data-testid="report-row"][data-metric="call_to_arrival"] th').textContent()).trim(), 'Call → arrival');
  await supCon.locator('#intake-open').click();
  assert.equal(await supCon.locator('#intake-type optgroup[label="Crime"]').count(), 1, 'category_en in the type list');
  await supCon.locator('#lang-toggle').click();
  log('English labels');

  await con.screenshot({ path: join(OUT, 'extra-dispatcher.png') });
  await supCon.screenshot({ path: join(OUT, 'extra-supervisor.png') });
  if (osakaCon) await osakaCon.screenshot({ path: join(OUT, 'extra-osaka.png') });
  log(`PASS (screenshots in ${OUT})`);
}

main().then(async () => {
  clearTimeout(watchdog);
  writeFileSync(join(OUT, 'extra-browser.log'), browserLog.join('\n') + '\n');
  await cleanup();
  process.exit(0);
}, fail);
