// Small helpers shared by the console and the terminal: DOM building (text only, never
// innerHTML with server data), JST and 和暦 formatting, the authenticated API client and the
// server-sent-events reader.
import { t, getLang } from './i18n.js';

// el('div', {class:'x', 'data-testid':'y', onclick: fn}, child, 'text', …)
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (k in e && typeof v !== 'string') e[k] = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) append(e, c);
  return e;
}

function append(e, c) {
  if (c === undefined || c === null || c === false) return;
  if (Array.isArray(c)) { for (const x of c) append(e, x); return; }
  e.append(c instanceof Node ? c : document.createTextNode(String(c)));
}

// Appends children like el() does (skipping null/undefined/false, text as text nodes).
export function put(e, ...children) { for (const c of children) append(e, c); return e; }

export function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
export function $(id) { return document.getElementById(id); }

// ---- time ----
const jstParts = (d) => {
  const j = new Date(d.getTime() + 9 * 3600 * 1000); // JST has no daylight saving
  return { y: j.getUTCFullYear(), mo: j.getUTCMonth() + 1, d: j.getUTCDate(),
           h: j.getUTCHours(), mi: j.getUTCMinutes(), s: j.getUTCSeconds() };
};
const p2 = (n) => String(n).padStart(2, '0');

export function parseTime(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

// HH:MM:SS in JST.
export function jstTime(iso) {
  const d = parseTime(iso);
  if (!d) return '';
  const p = jstParts(d);
  return `${p2(p.h)}:${p2(p.mi)}:${p2(p.s)}`;
}

const ERAS = [ // first day of each era (JST)
  { name: '令和', en: 'Reiwa', start: [2019, 5, 1] },
  { name: '平成', en: 'Heisei', start: [1989, 1, 8] },
  { name: '昭和', en: 'Showa', start: [1926, 12, 25] },
  { name: '大正', en: 'Taisho', start: [1912, 7, 30] },
  { name: '明治', en: 'Meiji', start: [1868, 1, 25] },
];

// 和暦 date of y-m-d: 令和8年11月23日 (元年 for the first year).
export function wareki(y, m, d) {
  const key = y * 10000 + m * 100 + d;
  for (const era of ERAS) {
    const [sy, sm, sd] = era.start;
    if (key >= sy * 10000 + sm * 100 + sd) {
      const n = y - sy + 1;
      return `${era.name}${n === 1 ? '元' : n}年${m}月${d}日`;
    }
  }
  return `${y}年${m}月${d}日`;
}

// 和暦 date (JST) of a UTC timestamp; in English also the western date.
export function jstDate(iso) {
  const d = parseTime(iso);
  if (!d) return '';
  const p = jstParts(d);
  const w = wareki(p.y, p.mo, p.d);
  return getLang() === 'en' ? `${p.y}-${p2(p.mo)}-${p2(p.d)} (${w})` : w;
}

export function jstDateTime(iso) {
  if (!iso) return '';
  return `${jstDate(iso)} ${jstTime(iso)}`;
}

// Today's date in JST as YYYY-MM-DD (for date pickers).
export function todayJst() {
  const p = jstParts(new Date());
  return `${p.y}-${p2(p.mo)}-${p2(p.d)}`;
}

// 和暦 of a YYYY-MM-DD date (birth dates).
export function warekiOf(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  return m ? wareki(+m[1], +m[2], +m[3]) : '';
}

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return t('time.s', { n: s });
  if (s < 3600) return t('time.m', { n: Math.floor(s / 60) });
  return t('time.h', { n: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}

export function ageOf(iso) {
  const d = parseTime(iso);
  return d ? duration((Date.now() - d.getTime()) / 1000) : '';
}

// ---- API ----
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export const session = {
  get token() { return sessionStorage.getItem('keitsu.token'); },
  set token(v) { if (v) sessionStorage.setItem('keitsu.token', v); else sessionStorage.removeItem('keitsu.token'); },
};

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const tok = session.token;
  if (tok) headers.Authorization = `Bearer ${tok}`;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', t('err.network'));
  }
  let data = null;
  const text = await r.text();
  if (text) {
    try { data = JSON.parse(text); } catch (_) { data = text; }
  }
  if (!r.ok) {
    const err = data && data.error ? data.error : {};
    if (r.status === 401 && path !== '/api/v1/sessions') onUnauthorized();
    throw new ApiError(r.status, err.code, err.message || `HTTP ${r.status}`);
  }
  return data;
}

// Fetches a binary resource with the token and returns an object URL (for <img>).
export async function blobUrl(path) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${session.token}` }, cache: 'no-store' });
  if (!r.ok) throw new ApiError(r.status, 'http', `HTTP ${r.status}`);
  return URL.createObjectURL(await r.blob());
}

// ---- Server-sent events over fetch() ----
// EventSource cannot send the Authorization header, so the stream is read with fetch() and
// parsed here following the HTML SSE rules (fields id/event/data, comments, CR/LF/CRLF).
//   handlers.onEvent(type, data, id)    each event (data parsed as JSON when possible)
//   handlers.onResync()                 (async) reload state: on first connect, on `resync`,
//                                       and after a reconnect without a last id
//   handlers.onState('connecting'|'live'|'down')
// Reconnects after errors with exponential backoff (0.5 s … 15 s, jittered), sending
// Last-Event-ID; a stream silent for 45 s (keep-alives come every 15 s) is restarted.
export class EventStream {
  constructor(path, handlers) {
    this.path = path;
    this.h = handlers;
    this.lastId = null;
    this.stopped = true;
    this.ctrl = null;
    this.synced = false;
    this.watchdog = null;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.gen = (this.gen || 0) + 1;
    this.loop(this.gen);
  }

  stop() {
    this.stopped = true;
    if (this.ctrl) this.ctrl.abort();
    clearInterval(this.watchdog);
  }

  async loop(gen) {
    let backoff = 500;
    const dead = () => this.stopped || this.gen !== gen;
    while (!dead()) {
      this.h.onState && this.h.onState('connecting');
      const ctrl = new AbortController();
      this.ctrl = ctrl;
      try {
        const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${session.token}` };
        if (this.lastId !== null) headers['Last-Event-ID'] = this.lastId;
        const r = await fetch(this.path, { headers, signal: ctrl.signal, cache: 'no-store' });
        if (r.status === 401) { onUnauthorized(); this.stopped = true; break; }
        if (!r.ok || !r.body) throw new Error(`HTTP ${r.status}`);
        // Without a last id we may have missed anything: load the state now (events that
        // arrive meanwhile wait in the stream and are applied afterwards, in order).
        if (this.lastId === null || !this.synced) {
          await this.h.onResync();
          this.synced = true;
        }
        this.h.onState && this.h.onState('live');
        backoff = 500;
        await this.read(r.body, ctrl, dead);
      } catch (e) {
        if (dead()) break;
        console.warn('event stream:', e && e.message ? e.message : e);
      } finally {
        clearInterval(this.watchdog);
      }
      if (dead()) break;
      this.h.onState && this.h.onState('down');
      await new Promise((res) => setTimeout(res, backoff * (0.75 + Math.random() * 0.5)));
      backoff = Math.min(backoff * 2, 15000);
    }
  }

  async read(body, ctrl, dead) {
    const reader = body.getReader();
    const dec = new TextDecoder('utf-8');
    let buf = '';
    let lastByte = Date.now();
    this.watchdog = setInterval(() => {
      if (Date.now() - lastByte > 45000) ctrl.abort();
    }, 5000);
    let ev = { id: undefined, type: '', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      if (dead()) return;
      lastByte = Date.now();
      buf += dec.decode(value, { stream: true });
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buf);
        if (!m) break;
        if (m[0] === '\r' && m.index === buf.length - 1) break; // maybe the CR of a CRLF
        const line = buf.slice(0, m.index);
        buf = buf.slice(m.index + m[0].length);
        if (line === '') {
          if (ev.id !== undefined) this.lastId = ev.id;
          if (ev.data.length) await this.dispatch(ev.type || 'message', ev.data.join('\n'), ev.id);
          ev = { id: undefined, type: '', data: [] };
          continue;
        }
        if (line[0] === ':') continue; // comment (keep-alive)
        const c = line.indexOf(':');
        const field = c < 0 ? line : line.slice(0, c);
        let val = c < 0 ? '' : line.slice(c + 1);
        if (val[0] === ' ') val = val.slice(1);
        if (field === 'event') ev.type = val;
        else if (field === 'data') ev.data.push(val);
        else if (field === 'id' && !val.includes('\0')) ev.id = val;
      }
    }
  }

  async dispatch(type, text, id) {
    if (type === 'resync') {
      await this.h.onResync();
      return;
    }
    let data = text;
    try { data = JSON.parse(text); } catch (_) { /* keep text */ }
    try {
      this.h.onEvent(type, data, id);
    } catch (e) {
      console.error('event handler', type, e);
    }
  }
}

// Reads a File as base64 (without the data: prefix).
export function fileToBase64(file) {
  return new Promise((resolve, reject) => {
    const fr = new FileReader();
    fr.onerror = () => reject(fr.error);
    fr.onload = () => {
      const s = String(fr.result);
      resolve(s.slice(s.indexOf(',') + 1));
    };
    fr.readAsDataURL(file);
  });
}

export function fmtCoord(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(5) : '';
}

// Offers data as a file download (a blob: URL on a temporary <a download>).
export function download(name, data, mime) {
  const blob = data instanceof Blob ? data : new Blob([data], { type: mime || 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
