// PⅢ field terminal: an officer signs on to a unit of the station, sees and acknowledges
// orders, reports status and position, and exchanges text and photos with the command room.
import { t, label, priorityLabel, onLangChange } from './i18n.js';
import { el, clear, $, api, blobUrl, EventStream, jstTime, jstDateTime, fileToBase64, fmtCoord } from './util.js';
import { createMap, drawStations, validLatLon } from './map.js';

// Status changes a terminal may make (docs/dispatch.md); the rest are the dispatcher's.
const NEXT = {
  available: ['out_of_service'],
  dispatched: ['en_route', 'on_scene'],
  en_route: ['on_scene'],
  on_scene: ['transporting'],
  transporting: ['on_scene'],
  out_of_service: ['available'],
};
const UNIT_KEY = 'keitsu.unit';
const ACTIVE = ['open', 'dispatched', 'on_scene'];

export async function startTerminal(me, ui) {
  const S = { codes: { unit_statuses: [], incident_types: [], priorities: [] }, unit: null, incident: null, acked: false,
              map: null, self: null, incMarker: null, geoWatch: null, lastGeoSent: 0, msgIds: new Set(), stopped: false };
  const find = (list, code) => (list || []).find((x) => String(x.code) === String(code));
  const statusLabel = (s) => label(find(S.codes.unit_statuses, s)) || s || '';
  const err = (e) => { $('term-error').textContent = e ? t('err.generic', { msg: e.message || e }) : ''; };

  try { Object.assign(S.codes, await api('GET', '/api/v1/dispatch/codes')); } catch (_) { /* labels fall back to codes */ }

  // ---------- sign on ----------
  async function showSignon() {
    $('signon-view').hidden = false;
    $('unit-view').hidden = true;
    const list = clear($('signon-list'));
    $('signon-error').textContent = '';
    let units = [];
    try {
      units = (await api('GET', '/api/v1/units')).units || [];
    } catch (e) {
      $('signon-error').textContent = t('err.generic', { msg: e.message });
    }
    if (me.station) units = units.filter((u) => u.station === me.station);
    units.sort((a, b) => String(a.callsign).localeCompare(String(b.callsign), 'ja'));
    for (const u of units) {
      list.append(el('li', null, el('button', { type: 'button', class: 'big signon-btn', 'data-testid': 'signon-btn', 'data-unit': u.id,
        onclick: () => signon(u.id) },
      el('strong', { text: u.callsign || u.id }), ' ',
      el('span', { class: 'small', text: `${label(find(S.codes.unit_kinds, u.kind)) || u.kind || ''} ${statusLabel(u.status)}` }))));
    }
    $('signon-empty').hidden = units.length > 0;
  }

  async function signon(id) {
    $('signon-error').textContent = '';
    try {
      const u = await api('POST', `/api/v1/units/${encodeURIComponent(id)}/signon`, {});
      sessionStorage.setItem(UNIT_KEY, u.id || id);
      S.unit = Object.assign({ id }, u);
      await enterUnit();
    } catch (e) {
      $('signon-error').textContent = t('err.generic', { msg: e.message });
    }
  }

  // ---------- unit view ----------
  async function enterUnit() {
    $('signon-view').hidden = true;
    $('unit-view').hidden = false;
    if (!S.map) {
      S.map = createMap($('term-map'), { zoom: 14 });
      api('GET', '/api/v1/stations').then((r) => drawStations(S.map, r.stations)).catch(() => {});
    }
    setTimeout(() => S.map.map.invalidateSize(), 0);
    renderUnit();
    await loadIncident();
    stream.start();
  }

  async function reload() {
    if (!S.unit) return;
    try {
      const u = await api('GET', `/api/v1/units/${encodeURIComponent(S.unit.id)}`);
      S.unit = u;
    } catch (e) {
      if (e.status === 403 || e.status === 404) { backToSignon(); return; }
      throw e;
    }
    renderUnit();
    await loadIncident();
  }

  async function loadIncident() {
    const id = S.unit && S.unit.incident;
    if (!id) { setIncident(null); return; }
    try {
      setIncident(await api('GET', `/api/v1/incidents/${encodeURIComponent(id)}`));
    } catch (e) {
      err(e);
    }
  }

  function renderUnit() {
    const u = S.unit;
    if (!u) return;
    $('term-unit').textContent = u.callsign || u.id;
    $('term-unit').dataset.id = u.id;
    const st = $('term-status');
    st.textContent = statusLabel(u.status);
    st.dataset.status = u.status;
    st.className = `status-chip st-${u.status}`;
    const allowed = NEXT[u.status] || [];
    for (const b of $('status-buttons').querySelectorAll('button[data-status]')) {
      const ok = allowed.includes(b.dataset.status);
      b.disabled = !ok;
      b.setAttribute('aria-disabled', ok ? 'false' : 'true');
    }
    if (validLatLon(u.lat, u.lon)) {
      const ll = [u.lat, u.lon];
      const icon = L.divIcon({ className: 'unit-icon', iconSize: null, iconAnchor: [0, 10],
        html: el('div', { class: `unit-marker self st-${u.status}${u.stale ? ' stale' : ''}`, 'data-testid': 'self-marker' }, el('span', { text: u.callsign || u.id })) });
      if (S.self) { S.self.setLatLng(ll); S.self.setIcon(icon); } else S.self = L.marker(ll, { icon, keyboard: false }).addTo(S.map.map);
      if (!$('pos-lat').value && !$('pos-lon').value) { $('pos-lat').value = u.lat.toFixed(6); $('pos-lon').value = u.lon.toFixed(6); }
    }
    fitMap();
  }

  function fitMap() {
    if (!S.map) return;
    const pts = [];
    if (S.self) pts.push(S.self.getLatLng());
    if (S.incMarker) pts.push(S.incMarker.getLatLng());
    if (pts.length === 1) S.map.map.setView(pts[0], Math.max(S.map.map.getZoom(), 14), { animate: false });
    else if (pts.length > 1) S.map.map.fitBounds(L.latLngBounds(pts).pad(0.3), { maxZoom: 16, animate: false });
  }

  function setIncident(inc) {
    const changed = !S.incident || !inc || S.incident.id !== inc.id;
    S.incident = inc && ACTIVE.includes(inc.status) ? inc : null;
    inc = S.incident;
    $('order-none').hidden = !!inc;
    $('order-body').hidden = !inc;
    $('order-panel').dataset.incident = inc ? inc.id : '';
    if (S.incMarker) { S.incMarker.remove(); S.incMarker = null; }
    if (changed) { clear($('term-messages')); S.msgIds.clear(); }
    if (!inc) { fitMap(); return; }
    $('order-pri').textContent = priorityLabel(S.codes.priorities, inc.priority);
    $('order-pri').className = `pri pri-${inc.priority}`;
    $('order-incident').textContent = inc.id;
    $('order-type').textContent = label(find(S.codes.incident_types, inc.type)) || inc.type_label || inc.type || '';
    $('order-address').textContent = inc.address || (inc.location ? `${fmtCoord(inc.location.lat)}, ${fmtCoord(inc.location.lon)}` : '');
    $('order-narrative').textContent = inc.narrative || '';
    if (inc.units) {
      const mine = inc.units.find((x) => x.id === S.unit.id && !x.released_at);
      S.acked = !!(mine && mine.acknowledged_at);
    }
    renderAck();
    if (inc.location && validLatLon(inc.location.lat, inc.location.lon)) {
      S.incMarker = L.marker([inc.location.lat, inc.location.lon], { keyboard: false,
        icon: L.divIcon({ className: 'inc-icon', iconSize: [26, 26], iconAnchor: [13, 13],
          html: el('div', { class: `inc-marker pri-${inc.priority}`, 'data-testid': 'incident-marker', 'data-id': inc.id }, el('span', { text: String(inc.priority || '') })) }) }).addTo(S.map.map);
    }
    for (const a of inc.attachments || []) addMessage({ incident: inc.id, id: a.id, kind: a.kind, text: a.text, by: a.by, ts: a.ts, mime: a.mime });
    fitMap();
  }

  function renderAck() {
    $('ack-btn').disabled = S.acked;
    $('ack-state').textContent = S.acked ? t('term.acked') : '';
    $('ack-state').dataset.acked = S.acked ? '1' : '0';
    $('order-panel').classList.toggle('unacked', !!S.incident && !S.acked);
  }

  function addMessage(m) {
    if (!S.incident || m.incident !== S.incident.id) return;
    const key = String(m.id);
    if (m.id !== undefined && S.msgIds.has(key)) return;
    if (m.id !== undefined) S.msgIds.add(key);
    const li = el('li', { 'data-testid': 'term-message', 'data-kind': m.kind || 'text', class: m.by === me.name ? 'mine' : '' },
      el('span', { class: 'mono ts', title: jstDateTime(m.ts), text: jstTime(m.ts) }),
      el('span', { class: 'actor', text: m.by || '' }));
    if (m.kind === 'image') {
      const img = el('img', { class: 'thumb', alt: m.caption || m.text || t('term.photo') });
      blobUrl(`/api/v1/incidents/${encodeURIComponent(m.incident)}/attachments/${encodeURIComponent(m.id)}`)
        .then((u) => { img.src = u; }).catch(() => {});
      li.append(el('span', { class: 'text' }, img, m.caption || m.text ? el('div', { text: m.caption || m.text }) : null));
    } else {
      li.append(el('span', { class: 'text', text: m.text || '' }));
    }
    const list = $('term-messages');
    list.append(li);
    list.scrollTop = list.scrollHeight;
  }

  // ---------- actions ----------
  async function setStatus(status) {
    err(null);
    try {
      const u = await api('POST', `/api/v1/units/${encodeURIComponent(S.unit.id)}/status`, { status });
      if (u && u.id) { S.unit = Object.assign(S.unit, u); renderUnit(); }
    } catch (e) { err(e); }
  }

  async function ack() {
    if (!S.incident) return;
    err(null);
    try {
      await api('POST', `/api/v1/units/${encodeURIComponent(S.unit.id)}/ack`, { incident: S.incident.id });
      S.acked = true;
      renderAck();
    } catch (e) { err(e); }
  }

  async function sendPosition(lat, lon, extra) {
    if (!validLatLon(lat, lon)) { err(t('intake.needLocation')); return; }
    err(null);
    try {
      await api('POST', `/api/v1/units/${encodeURIComponent(S.unit.id)}/position`, Object.assign({ lat, lon }, extra || {}));
      S.unit.lat = lat; S.unit.lon = lon; S.unit.stale = false;
      $('pos-state').textContent = t('term.posSent', { time: jstTime(new Date().toISOString()) });
      renderUnit();
    } catch (e) { err(e); }
  }

  function toggleGeo(on) {
    if (S.geoWatch !== null) { navigator.geolocation.clearWatch(S.geoWatch); S.geoWatch = null; }
    if (!on) return;
    if (!('geolocation' in navigator)) { $('pos-state').textContent = t('term.geoUnavailable'); $('geo-toggle').checked = false; return; }
    S.geoWatch = navigator.geolocation.watchPosition((p) => {
      const now = Date.now();
      if (now - S.lastGeoSent < 10000) return;
      S.lastGeoSent = now;
      const extra = {};
      if (Number.isFinite(p.coords.accuracy)) extra.accuracy_m = p.coords.accuracy;
      if (Number.isFinite(p.coords.heading)) extra.heading = p.coords.heading;
      if (Number.isFinite(p.coords.speed)) extra.speed_kmh = p.coords.speed * 3.6;
      $('pos-lat').value = p.coords.latitude.toFixed(6);
      $('pos-lon').value = p.coords.longitude.toFixed(6);
      sendPosition(p.coords.latitude, p.coords.longitude, extra);
    }, () => { $('pos-state').textContent = t('term.geoUnavailable'); }, { enableHighAccuracy: true, maximumAge: 5000 });
  }

  async function sendText() {
    const text = $('term-msg-text').value.trim();
    if (!text) return;
    if (!S.incident) { err(t('term.noIncident')); return; }
    err(null);
    try {
      const r = await api('POST', `/api/v1/incidents/${encodeURIComponent(S.incident.id)}/messages`, { text });
      $('term-msg-text').value = '';
      addMessage({ incident: S.incident.id, id: r && r.id, kind: 'text', text, by: me.name, ts: new Date().toISOString() });
    } catch (e) { err(e); }
  }

  async function sendPhoto() {
    const f = $('term-photo').files && $('term-photo').files[0];
    if (!f) return;
    if (!S.incident) { err(t('term.noIncident')); return; }
    const mime = f.type === 'image/png' ? 'image/png' : 'image/jpeg';
    err(null);
    try {
      const image = await fileToBase64(f);
      const r = await api('POST', `/api/v1/incidents/${encodeURIComponent(S.incident.id)}/messages`, { image, mime, caption: f.name.slice(0, 100) });
      $('term-photo').value = '';
      addMessage({ incident: S.incident.id, id: r && r.id, kind: 'image', caption: f.name, by: me.name, ts: new Date().toISOString() });
    } catch (e) { err(e); }
  }

  function backToSignon() {
    sessionStorage.removeItem(UNIT_KEY);
    stream.stop();
    toggleGeo(false);
    $('geo-toggle').checked = false;
    S.unit = null;
    setIncident(null);
    showSignon();
  }

  // ---------- live events ----------
  function onEvent(type, data) {
    if (!S.unit) return;
    switch (type) {
      case 'unit':
        if (data.id === S.unit.id) {
          const before = S.unit.incident;
          S.unit = Object.assign(S.unit, data);
          renderUnit();
          if ((data.incident || null) !== (before || null)) loadIncident();
        }
        break;
      case 'position':
        if (data.unit === S.unit.id) { S.unit.lat = data.lat; S.unit.lon = data.lon; S.unit.stale = false; renderUnit(); }
        break;
      case 'order':
        if (data.unit === S.unit.id && data.incident) {
          S.acked = false;
          S.unit.incident = data.incident.id;
          setIncident(data.incident);
          loadIncident(); // the full incident (attachments, acknowledgements)
          ui.toast(`${t('term.order')}: ${data.incident.id}`, 'order');
        }
        break;
      case 'incident':
        if (S.incident && data.id === S.incident.id) {
          if (!ACTIVE.includes(data.status)) { setIncident(null); S.unit.incident = null; }
          else setIncident(Object.assign({}, S.incident, data, { attachments: [] }));
        }
        break;
      case 'message':
        addMessage(data);
        break;
      default:
        break;
    }
  }

  const conn = $('conn-status');
  const stream = new EventStream('/api/v1/events', {
    onEvent,
    onResync: reload,
    onState: (st) => { conn.dataset.state = st; conn.textContent = t('conn.' + st); },
  });

  // ---------- wiring ----------
  $('signon-manual').onsubmit = (e) => { e.preventDefault(); const id = $('signon-manual-id').value.trim(); if (id) signon(id); };
  $('term-signoff').onclick = backToSignon;
  $('ack-btn').onclick = ack;
  for (const b of $('status-buttons').querySelectorAll('button[data-status]')) b.onclick = () => setStatus(b.dataset.status);
  $('pos-send').onclick = () => sendPosition(Number($('pos-lat').value), Number($('pos-lon').value));
  $('geo-toggle').onchange = () => toggleGeo($('geo-toggle').checked);
  $('term-msg-form').onsubmit = (e) => { e.preventDefault(); sendText(); };
  $('term-photo-send').onclick = sendPhoto;
  const onKey = (e) => {
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement && document.activeElement.tagName)) return;
    if ((e.key === 'a' || e.key === 'A') && S.incident && !S.acked) { e.preventDefault(); ack(); }
  };
  document.addEventListener('keydown', onKey);
  onLangChange(() => { if (!S.stopped) { renderUnit(); renderAck(); conn.textContent = t('conn.' + (conn.dataset.state || 'connecting')); } });

  const saved = sessionStorage.getItem(UNIT_KEY);
  let entered = false;
  if (saved) {
    try {
      const u = await api('GET', `/api/v1/units/${encodeURIComponent(saved)}`);
      if (!u.signed_on || u.signed_on === me.name) { S.unit = u; await enterUnit(); entered = true; }
    } catch (_) { sessionStorage.removeItem(UNIT_KEY); }
  }
  if (!entered) await showSignon();

  return {
    stop() {
      S.stopped = true;
      stream.stop();
      toggleGeo(false);
      document.removeEventListener('keydown', onKey);
      if (S.map) S.map.map.remove();
      sessionStorage.removeItem(UNIT_KEY);
    },
  };
}
