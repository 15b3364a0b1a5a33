// 緊急配備: deployment alerts received as `alert` events (issued here or by another
// prefecture) — the banner under the top bar, the list of recent alerts, their areas on the map.
// Event data: {"id","headline","description","incident","cap"}; the CAP 1.2 XML (when sent)
// gives the sender ("SITE@keitsu"), the time and the area circle. There is no endpoint listing
// past alerts, so the list holds what this tab received (kept in sessionStorage).
import { t, onLangChange } from './i18n.js';
import { el, clear, $, jstTime, jstDateTime, download } from './util.js';

const STORE_KEY = 'keitsu.alerts';
const KEEP = 50;     // alerts in the list
const ON_MAP = 10;   // newest alerts whose circle is drawn

// Reads what the console shows from a CAP 1.2 document (text only; never rendered as markup).
export function parseCap(xml) {
  const out = { identifier: null, sender: null, sent: null, circle: null, areaDesc: null };
  if (typeof xml !== 'string' || !xml) return out;
  let doc;
  try { doc = new DOMParser().parseFromString(xml, 'application/xml'); } catch (_) { return out; }
  if (!doc || doc.getElementsByTagName('parsererror').length) return out;
  const text = (name) => {
    const n = doc.getElementsByTagNameNS('*', name)[0];
    return n ? n.textContent.trim() : null;
  };
  out.identifier = text('identifier');
  out.sender = text('sender');
  out.sent = text('sent');
  out.areaDesc = text('areaDesc');
  const c = /^\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s+([\d.]+)\s*$/.exec(text('circle') || '');
  if (c) out.circle = { lat: Number(c[1]), lon: Number(c[2]), radius_m: Number(c[3]) * 1000 };
  return out;
}

// The issuing site: "tokyo@keitsu" → tokyo, else from the identifier keitsu-tokyo-<ms>.
export function alertSite(cap, id) {
  if (cap && cap.sender) {
    const m = /^([^@]+)@keitsu$/.exec(cap.sender);
    if (m) return m[1];
  }
  const m = /^keitsu-(.+)-\d+$/.exec(id || '');
  return m ? m[1] : null;
}

// ctx: { map, ui, select(id), siteIsRemote(site) → true | false | null (not known yet) }
export function startAlerts(ctx) {
  let list = [];
  try { list = JSON.parse(sessionStorage.getItem(STORE_KEY) || '[]'); } catch (_) { list = []; }
  if (!Array.isArray(list)) list = [];
  const layer = L.layerGroup().addTo(ctx.map);

  const save = () => { try { sessionStorage.setItem(STORE_KEY, JSON.stringify(list.slice(0, KEEP))); } catch (_) { /* full */ } };
  const isRemote = (a) => ctx.siteIsRemote(a.site) === true;

  function add(data) {
    if (!data || typeof data !== 'object' || !data.id) return;
    if (list.some((a) => a.id === data.id)) return;
    const cap = parseCap(data.cap);
    const sent = cap.sent ? new Date(cap.sent) : null;
    list.unshift({
      id: String(data.id), headline: String(data.headline || ''), description: String(data.description || ''),
      incident: data.incident ? String(data.incident) : null, site: alertSite(cap, data.id),
      ts: sent && !Number.isNaN(sent.getTime()) ? sent.toISOString() : new Date().toISOString(),
      circle: cap.circle, area: cap.areaDesc, cap: typeof data.cap === 'string' ? data.cap : null, acked: false,
    });
    list = list.slice(0, KEEP);
    save();
    renderAll();
  }

  function renderBanner() {
    const open = list.filter((a) => !a.acked);
    const b = $('alert-banner');
    const wasHidden = b.hidden;
    b.hidden = open.length === 0;
    if (!open.length) { delete b.dataset.id; }
    else {
      const a = open[0];
      b.dataset.id = a.id;
      b.dataset.origin = isRemote(a) ? 'remote' : 'local';
      $('alert-banner-time').textContent = jstTime(a.ts);
      $('alert-banner-headline').textContent = a.headline;
      $('alert-banner-headline').title = a.description;
      $('alert-banner-origin').textContent = isRemote(a) ? t('alert.from', { site: a.site }) : (a.incident ? a.incident : '');
      $('alert-banner-more').textContent = open.length > 1 ? t('alert.more', { n: open.length - 1 }) : '';
    }
    if (wasHidden !== b.hidden) setTimeout(() => ctx.map.invalidateSize(), 0);
  }

  function showArea(a) {
    if (!a.circle) return;
    const c = L.circle([a.circle.lat, a.circle.lon], { radius: a.circle.radius_m });
    c.addTo(ctx.map);
    ctx.map.fitBounds(c.getBounds(), { maxZoom: 15, animate: false });
    c.remove();
  }

  function renderList() {
    const ol = clear($('alerts-list'));
    for (const a of list) {
      const remote = isRemote(a);
      ol.append(el('li', { 'data-testid': 'alert-row', 'data-id': a.id, 'data-origin': remote ? 'remote' : 'local', class: a.acked ? '' : 'unacked' },
        el('div', { class: 'alert-row-head' },
          el('span', { class: 'mono', title: jstDateTime(a.ts), text: jstTime(a.ts) }),
          el('span', { class: remote ? 'remote-flag' : 'local-flag', text: remote ? t('alert.from', { site: a.site }) : t('alert.local') }),
          el('strong', { 'data-testid': 'alert-row-headline', text: a.headline })),
        el('div', { class: 'alert-row-desc', text: a.description }),
        el('div', { class: 'row wrap' },
          a.incident && !remote ? el('button', { type: 'button', class: 'link mono', text: a.incident, onclick: () => ctx.select(a.incident) })
            : a.incident ? el('span', { class: 'mono', text: `${a.site || ''}:${a.incident}` }) : null,
          a.circle ? el('button', { type: 'button', class: 'small', 'data-testid': 'alert-row-map', text: `${t('alert.showOnMap')} (${Math.round(a.circle.radius_m)} m)`, onclick: () => showArea(a) }) : null,
          a.cap ? el('button', { type: 'button', class: 'small', 'data-testid': 'alert-row-cap', text: 'CAP',
            onclick: () => download(`CAP-${a.id}.xml`, a.cap, 'application/cap+xml') }) : null)));
    }
    $('alerts-empty').hidden = list.length > 0;
    $('alerts-count').textContent = String(list.length);
    $('alerts-count').dataset.unacked = String(list.filter((a) => !a.acked).length);
  }

  function renderMap() {
    layer.clearLayers();
    for (const a of list.slice(0, ON_MAP)) {
      if (!a.circle) continue;
      const c = L.circle([a.circle.lat, a.circle.lon], { radius: a.circle.radius_m, className: `alert-circle${isRemote(a) ? ' remote' : ''}`,
        color: '#c8102e', weight: 2, dashArray: '6 4', fillOpacity: 0.06, interactive: true });
      c.bindTooltip(el('span', { text: `${t('alert.title')}: ${a.headline}` }), { sticky: true });
      c.addTo(layer);
    }
  }

  function renderAll() { renderBanner(); renderList(); renderMap(); }

  const panel = $('alerts-panel');
  const openList = () => { renderList(); panel.hidden = false; };
  $('alerts-open').onclick = () => (panel.hidden ? openList() : (panel.hidden = true));
  $('alerts-close').onclick = () => { panel.hidden = true; };
  $('alert-banner-list').onclick = openList;
  $('alert-banner-ack').onclick = () => {
    for (const a of list) a.acked = true;
    save();
    renderAll();
  };

  let stopped = false;
  onLangChange(() => { if (!stopped) renderAll(); });
  renderAll();

  return {
    onAlert: add,
    relabel: renderAll, // when the local site becomes known
    stop() {
      stopped = true;
      layer.remove();
      panel.hidden = true;
      $('alert-banner').hidden = true;
      clear($('alerts-list'));
    },
  };
}

