// 指令台: the command-and-dispatch console (call takers, dispatchers, supervisors, admins; the
// station role gets the same view scoped by the server, without intake and orders).
import { t, label, priorityLabel, onLangChange } from './i18n.js';
import { el, put, clear, $, api, blobUrl, EventStream, jstTime, jstDate, jstDateTime, ageOf, duration,
         warekiOf, fmtCoord } from './util.js';
import { createMap, drawStations, validLatLon } from './map.js';

const INTAKE_ROLES = ['call_taker', 'dispatcher', 'supervisor', 'admin'];
const ORDER_ROLES = ['dispatcher', 'supervisor', 'admin'];
const ACTIVE = ['open', 'dispatched', 'on_scene'];

export async function startConsole(me, ui) {
  const can = {
    intake: INTAKE_ROLES.includes(me.role),
    order: ORDER_ROLES.includes(me.role),
  };
  const S = {
    codes: { incident_types: [], dispositions: [], unit_kinds: [], unit_statuses: [], priorities: [] },
    stations: new Map(),
    incidents: new Map(),
    units: new Map(),
    selected: null,      // incident id shown in the detail
    detail: null,        // its last fetched full object
    detailDom: null,     // the detail's parts (built once per selection)
    incMarkers: new Map(),
    unitMarkers: new Map(),
    pickMarker: null,
    fitted: false,
    images: new Map(),   // "incident/N" -> object URL
  };

  // ---------- code tables ----------
  const find = (list, code) => list.find((x) => String(x.code) === String(code));
  const typeLabel = (code, fallback) => label(find(S.codes.incident_types, code)) || fallback || code || '';
  const unitStatusLabel = (code) => label(find(S.codes.unit_statuses, code)) || code || '';
  const kindLabel = (code) => label(find(S.codes.unit_kinds, code)) || code || '';
  const priLabel = (p) => priorityLabel(S.codes.priorities, p);
  const incStatusLabel = (s) => t('status.incident.' + s);
  const stationName = (id) => (id && S.stations.get(id) ? S.stations.get(id).name || id : id || '');

  // ---------- map ----------
  const M = createMap($('map'));
  M.map.on('click', (e) => {
    if ($('intake-form').hidden) return;
    $('intake-lat').value = e.latlng.lat.toFixed(6);
    $('intake-lon').value = e.latlng.lng.toFixed(6);
    showPick();
  });

  function showPick() {
    const lat = parseFloat($('intake-lat').value), lon = parseFloat($('intake-lon').value);
    if (S.pickMarker) { S.pickMarker.remove(); S.pickMarker = null; }
    if (!validLatLon(lat, lon)) return;
    S.pickMarker = L.marker([lat, lon], { interactive: false, keyboard: false,
      icon: L.divIcon({ className: 'pick-marker', html: el('span', { 'data-testid': 'pick-marker', text: '＋' }), iconSize: [24, 24], iconAnchor: [12, 12] }) }).addTo(M.map);
  }

  function incidentIcon(inc) {
    const node = el('div', { class: `inc-marker pri-${inc.priority} ist-${inc.status}${inc.id === S.selected ? ' selected' : ''}`,
      'data-testid': 'incident-marker', 'data-id': inc.id, 'data-status': inc.status, title: `${inc.id} ${typeLabel(inc.type, inc.type_label)}` },
    el('span', { text: String(inc.priority || '') }));
    return L.divIcon({ className: 'inc-icon', html: node, iconSize: [26, 26], iconAnchor: [13, 13] });
  }

  function updateIncidentMarker(inc) {
    const old = S.incMarkers.get(inc.id);
    const loc = inc.location;
    if (!ACTIVE.includes(inc.status) || !loc || !validLatLon(loc.lat, loc.lon)) {
      if (old) { old.remove(); S.incMarkers.delete(inc.id); }
      return;
    }
    if (old) {
      old.setLatLng([loc.lat, loc.lon]);
      old.setIcon(incidentIcon(inc));
    } else {
      const m = L.marker([loc.lat, loc.lon], { icon: incidentIcon(inc), zIndexOffset: 1000, keyboard: false });
      m.on('click', () => select(inc.id));
      m.addTo(M.map);
      S.incMarkers.set(inc.id, m);
    }
  }

  function unitIcon(u) {
    const node = el('div', { class: `unit-marker st-${u.status}${u.stale ? ' stale' : ''}`, 'data-testid': 'unit-marker',
      'data-id': u.id, 'data-status': u.status, 'data-lat': fmtCoord(u.lat), 'data-lon': fmtCoord(u.lon),
      title: `${u.callsign} ${unitStatusLabel(u.status)}${u.stale ? ' — ' + t('units.stale') : ''}` },
    el('span', { text: u.callsign || u.id }));
    return L.divIcon({ className: 'unit-icon', html: node, iconSize: null, iconAnchor: [0, 10] });
  }

  function updateUnitMarker(u) {
    const old = S.unitMarkers.get(u.id);
    if (!validLatLon(u.lat, u.lon)) {
      if (old) { old.remove(); S.unitMarkers.delete(u.id); }
      return;
    }
    if (old) {
      old.setLatLng([u.lat, u.lon]);
      old.setIcon(unitIcon(u));
    } else {
      const m = L.marker([u.lat, u.lon], { icon: unitIcon(u), keyboard: false });
      m.on('click', () => { if (u.incident) select(u.incident); });
      m.addTo(M.map);
      S.unitMarkers.set(u.id, m);
    }
  }

  function fitOnce() {
    if (S.fitted) return;
    let b = null;
    const add = (lat, lon) => {
      if (!validLatLon(lat, lon)) return;
      b = b ? b.extend([lat, lon]) : L.latLngBounds([lat, lon], [lat, lon]);
    };
    for (const s of S.stations.values()) {
      if (s._bounds) { add(s._bounds.getSouth(), s._bounds.getWest()); add(s._bounds.getNorth(), s._bounds.getEast()); }
    }
    for (const i of S.incidents.values()) if (i.location) add(i.location.lat, i.location.lon);
    for (const u of S.units.values()) add(u.lat, u.lon);
    if (b) {
      M.map.fitBounds(b.pad(0.15), { maxZoom: 15, animate: false });
      S.fitted = true;
    }
  }

  // ---------- state ----------
  async function loadCodes() {
    try {
      const c = await api('GET', '/api/v1/dispatch/codes');
      Object.assign(S.codes, c || {});
    } catch (e) {
      ui.toast(t('err.generic', { msg: e.message }), 'error');
    }
    fillIntakeSelects();
  }

  async function loadStations() {
    try {
      const r = await api('GET', '/api/v1/stations');
      S.stations.clear();
      for (const s of r.stations || []) S.stations.set(s.id, s);
      drawStations(M, r.stations);
      for (const s of S.stations.values()) {
        try { if (s.area) s._bounds = L.geoJSON(s.area).getBounds(); } catch (_) { /* bad area */ }
      }
    } catch (e) {
      console.warn('stations', e);
    }
  }

  async function loadState() {
    const [ri, ru] = await Promise.all([api('GET', '/api/v1/incidents?status=active'), api('GET', '/api/v1/units')]);
    S.incidents.clear();
    for (const i of ri.incidents || []) S.incidents.set(i.id, i);
    S.units.clear();
    for (const u of ru.units || []) S.units.set(u.id, u);
    for (const [id, m] of S.incMarkers) if (!S.incidents.has(id)) { m.remove(); S.incMarkers.delete(id); }
    for (const [id, m] of S.unitMarkers) if (!S.units.has(id)) { m.remove(); S.unitMarkers.delete(id); }
    for (const i of S.incidents.values()) updateIncidentMarker(i);
    for (const u of S.units.values()) updateUnitMarker(u);
    renderQueue();
    renderUnits();
    fitOnce();
    if (S.selected) refreshDetail();
  }

  // ---------- incident queue ----------
  function sortedIncidents() {
    return [...S.incidents.values()].filter((i) => ACTIVE.includes(i.status)).sort((a, b) =>
      (a.priority || 9) - (b.priority || 9) || String(a.created_at).localeCompare(String(b.created_at)) || a.id.localeCompare(b.id));
  }

  function renderQueue() {
    const body = clear($('queue-body'));
    const list = sortedIncidents();
    for (const i of list) {
      const tr = el('tr', { 'data-testid': 'queue-row', 'data-id': i.id, 'data-status': i.status, tabindex: 0,
        class: i.id === S.selected ? 'selected' : '',
        'aria-selected': i.id === S.selected ? 'true' : 'false',
        onclick: () => select(i.id),
        onkeydown: (e) => {
          if (e.key === 'Enter') select(i.id);
          else if (e.key === 'ArrowDown' && tr.nextElementSibling) { e.preventDefault(); tr.nextElementSibling.focus(); }
          else if (e.key === 'ArrowUp' && tr.previousElementSibling) { e.preventDefault(); tr.previousElementSibling.focus(); }
        } },
      el('td', null, el('span', { class: `pri pri-${i.priority}`, text: priLabel(i.priority) })),
      el('td', { class: 'mono', text: i.id }),
      el('td', { text: typeLabel(i.type, i.type_label) + (i.wide_area ? ' ◆' : '') }),
      el('td', { class: 'addr', text: i.address || (i.location ? `${fmtCoord(i.location.lat)}, ${fmtCoord(i.location.lon)}` : '') }),
      el('td', null, el('span', { class: `ist ist-${i.status}`, 'data-testid': 'queue-status', text: incStatusLabel(i.status) })),
      el('td', { class: 'mono', title: jstDateTime(i.created_at), text: jstTime(i.created_at) }),
      el('td', { class: 'mono age', 'data-created': i.created_at || '', text: ageOf(i.created_at) }));
      body.append(tr);
    }
    $('queue-empty').hidden = list.length > 0;
    $('queue-count').textContent = String(list.length);
  }

  // ---------- unit board ----------
  function renderUnits() {
    const body = clear($('units-body'));
    const list = [...S.units.values()].sort((a, b) =>
      String(a.station).localeCompare(String(b.station)) || String(a.callsign).localeCompare(String(b.callsign), 'ja'));
    for (const u of list) {
      const fix = u.fix_at ? `${jstDateTime(u.fix_at)}` : t('units.nofix');
      body.append(el('tr', { 'data-testid': 'unit-row', 'data-id': u.id, 'data-status': u.status, class: u.stale ? 'stale' : '',
        title: u.stale ? `${t('units.stale')} (${fix})` : fix },
      el('td', { class: 'callsign', text: u.callsign || u.id }),
      el('td', { text: kindLabel(u.kind) }),
      el('td', { text: stationName(u.station) }),
      el('td', null, el('span', { class: `ust st-${u.status}`, 'data-testid': 'unit-status', 'data-status': u.status, text: unitStatusLabel(u.status) }),
        u.stale ? el('span', { class: 'stale-flag', title: t('units.stale'), text: ' ⌛' }) : null,
        canSetStatus(u) ? statusSetter(u) : null),
      el('td', null, u.incident ? el('button', { type: 'button', class: 'link mono', text: u.incident, onclick: () => select(u.incident) }) : '')));
    }
    $('units-empty').hidden = list.length > 0;
    $('units-count').textContent = String(list.length);
  }

  // Dispatchers may set any unit's status, a station its own units' (the server decides).
  function canSetStatus(u) {
    return can.order || (me.role === 'station' && me.station && u.station === me.station);
  }

  function statusSetter(u) {
    const sel = el('select', { class: 'status-set', 'data-testid': 'unit-status-set', title: t('units.setStatus'),
      'aria-label': `${u.callsign} ${t('units.setStatus')}`, onclick: (e) => e.stopPropagation(),
      onchange: async () => {
        const status = sel.value;
        sel.value = '';
        if (!status) return;
        try {
          applyUnit(await api('POST', `/api/v1/units/${encodeURIComponent(u.id)}/status`, { status }));
        } catch (e) { ui.toast(t('err.generic', { msg: e.message }), 'error'); }
      } }, el('option', { value: '', text: '▾' }));
    for (const x of S.codes.unit_statuses || []) {
      if (x.code !== u.status) sel.append(el('option', { value: x.code, text: label(x) }));
    }
    return sel;
  }

  // ---------- incident detail ----------
  async function select(id) {
    if (S.selected !== id) {
      S.selected = id;
      S.detail = null;
      buildDetail(id);
      renderQueue();
      for (const i of S.incidents.values()) updateIncidentMarker(i);
      const inc = S.incidents.get(id);
      if (inc && inc.location && validLatLon(inc.location.lat, inc.location.lon)) M.map.panTo([inc.location.lat, inc.location.lon], { animate: false });
    }
    await refreshDetailNow();
  }

  let detailTimer = null;
  function refreshDetail() {
    clearTimeout(detailTimer);
    detailTimer = setTimeout(refreshDetailNow, 120);
  }

  async function refreshDetailNow() {
    const id = S.selected;
    if (!id) return;
    try {
      const inc = await api('GET', `/api/v1/incidents/${encodeURIComponent(id)}`);
      if (S.selected !== id) return;
      S.detail = inc;
      renderDetail(inc);
    } catch (e) {
      if (S.selected === id) ui.toast(t('err.generic', { msg: e.message }), 'error');
    }
  }

  function section(titleKey, testid, ...content) {
    return el('section', { class: 'dsec', 'data-testid': testid }, el('h3', { 'data-i18n': titleKey, text: t(titleKey) }), ...content);
  }

  // Builds the detail's skeleton once per selection; renderDetail() fills the parts.
  function buildDetail(id) {
    $('detail-none').hidden = true;
    const body = clear($('detail-body'));
    body.hidden = false;
    const d = {};
    d.head = el('div', { class: 'detail-head', id: 'detail-head' });
    d.info = el('dl', { class: 'info', id: 'detail-info' });
    d.units = el('ul', { class: 'dunits', id: 'detail-units', 'data-testid': 'detail-units' });
    d.timeline = el('ol', { class: 'timeline', id: 'detail-timeline', 'data-testid': 'detail-timeline' });
    d.attachments = el('ul', { class: 'attachments', id: 'detail-attachments', 'data-testid': 'detail-attachments' });
    body.append(d.head, d.info, section('detail.units', 'detail-units-sec', d.units));

    if (can.order) {
      d.recList = el('ol', { class: 'recs', id: 'rec-list', 'data-testid': 'rec-list' });
      d.recBtn = el('button', { type: 'button', id: 'rec-load', 'data-testid': 'rec-load', text: t('detail.recommendLoad'), onclick: () => loadRecs() });
      d.recSec = section('detail.recommend', 'rec-section', d.recBtn, d.recList);
      body.append(d.recSec);
    }

    // message box
    d.msgText = el('input', { id: 'msg-text', 'data-testid': 'msg-text', maxlength: 2000, class: 'grow' });
    const msgForm = el('form', { class: 'row', id: 'msg-form', onsubmit: async (e) => {
      e.preventDefault();
      const text = d.msgText.value.trim();
      if (!text) return;
      try {
        await api('POST', `/api/v1/incidents/${encodeURIComponent(id)}/messages`, { text });
        d.msgText.value = '';
        refreshDetail();
      } catch (err) { ui.toast(t('err.generic', { msg: err.message }), 'error'); }
    } }, d.msgText, el('button', { type: 'submit', id: 'msg-send', 'data-testid': 'msg-send', text: t('detail.messageSend') }));
    body.append(section('detail.message', 'msg-section', msgForm));
    body.append(section('detail.attachments', 'attachments-section', d.attachments));
    body.append(section('detail.timeline', 'timeline-section', d.timeline));

    if (can.order) {
      // records query (照会)
      d.qName = el('input', { id: 'query-name', 'data-testid': 'query-name', maxlength: 100, class: 'grow' });
      d.qBirth = el('input', { id: 'query-birth', 'data-testid': 'query-birth', type: 'date' });
      d.qResult = el('div', { id: 'query-result', 'data-testid': 'query-result', class: 'query-result' });
      const qForm = el('form', { class: 'row wrap', onsubmit: (e) => { e.preventDefault(); runQuery(id, d); } },
        el('label', null, el('span', { text: t('detail.queryName') }), ' ', d.qName),
        el('label', null, el('span', { text: t('detail.queryBirth') }), ' ', d.qBirth),
        el('button', { type: 'submit', id: 'query-submit', 'data-testid': 'query-submit', text: t('detail.querySubmit') }));
      body.append(section('detail.query', 'query-section', qForm, d.qResult));

      // close
      d.closeSel = el('select', { id: 'close-disposition', 'data-testid': 'close-disposition' });
      for (const x of S.codes.dispositions || []) d.closeSel.append(el('option', { value: x.code, text: label(x) }));
      d.closeNote = el('input', { id: 'close-note', 'data-testid': 'close-note', maxlength: 500, class: 'grow', placeholder: t('detail.closeNote') });
      const cForm = el('form', { class: 'row wrap', onsubmit: async (e) => {
        e.preventDefault();
        if (!window.confirm(t('detail.closeConfirm', { id }))) return;
        const body2 = { disposition: d.closeSel.value };
        if (d.closeNote.value.trim()) body2.note = d.closeNote.value.trim();
        try {
          const inc = await api('POST', `/api/v1/incidents/${encodeURIComponent(id)}/close`, body2);
          applyIncident(inc);
          refreshDetail();
        } catch (err) { ui.toast(t('err.generic', { msg: err.message }), 'error'); }
      } }, d.closeSel, d.closeNote, el('button', { type: 'submit', id: 'close-submit', 'data-testid': 'close-submit', class: 'danger', text: t('detail.closeSubmit') }));
      d.closeSec = section('detail.close', 'close-section', cForm);
      body.append(d.closeSec);
    }
    $('incident-detail').dataset.id = id;
    S.detailDom = d;
  }

  function dd(key, value, attrs) {
    if (value === undefined || value === null || value === '') return [];
    return [el('dt', { text: t(key) }), el('dd', attrs || null, value)];
  }

  function renderDetail(inc) {
    const d = S.detailDom;
    if (!d) return;
    $('incident-detail').dataset.status = inc.status;
    put(clear(d.head),
      el('span', { class: `pri pri-${inc.priority}`, text: priLabel(inc.priority) }),
      el('strong', { class: 'mono', id: 'detail-id', 'data-testid': 'detail-id', text: inc.id }),
      el('span', { class: 'dtype', text: typeLabel(inc.type, inc.type_label) }),
      el('span', { class: `ist ist-${inc.status}`, id: 'detail-status', 'data-testid': 'detail-status', 'data-status': inc.status, text: incStatusLabel(inc.status) }),
      inc.wide_area ? el('span', { class: 'wide-flag', text: t('detail.wide') }) : null);
    const loc = inc.location;
    clear(d.info).append(
      ...dd('detail.caller', inc.location_withheld ? t('detail.withheld') : inc.caller_number),
      ...dd('detail.address', inc.address),
      ...dd('detail.location', loc ? `${fmtCoord(loc.lat)}, ${fmtCoord(loc.lon)}${loc.uncertainty_m ? ` ±${loc.uncertainty_m} m` : ''}` : ''),
      ...dd('detail.station', stationName(inc.station)),
      ...dd('detail.created', jstDateTime(inc.created_at)),
      ...dd('detail.dispatchedAt', jstDateTime(inc.dispatched_at)),
      ...dd('detail.onSceneAt', jstDateTime(inc.on_scene_at)),
      ...dd('detail.closedAt', jstDateTime(inc.closed_at)),
      ...dd('detail.mergedInto', inc.merged_into),
      ...dd('detail.disposition', inc.disposition ? `${label(find(S.codes.dispositions, inc.disposition.code)) || inc.disposition.label || inc.disposition.code}${inc.disposition.note ? ' — ' + inc.disposition.note : ''}` : ''),
      ...dd('detail.narrative', inc.narrative, { class: 'narrative' }));

    // assigned units
    clear(d.units);
    const units = inc.units || [];
    if (!units.length) d.units.append(el('li', { class: 'empty', text: t('detail.noUnits') }));
    for (const u of units) {
      const live = S.units.get(u.id);
      const status = u.released_at ? 'released' : (live && live.incident === inc.id ? live.status : u.status);
      d.units.append(el('li', { 'data-testid': 'detail-unit', 'data-id': u.id, 'data-status': status, class: u.released_at ? 'released' : '' },
        el('span', { class: 'callsign', text: u.callsign || u.id }),
        el('span', { class: `ust st-${status}`, 'data-testid': 'detail-unit-status', text: u.released_at ? t('detail.release') : unitStatusLabel(status) }),
        el('span', { class: 'ack', 'data-testid': 'detail-unit-ack', 'data-acked': u.acknowledged_at ? '1' : '0',
          text: u.acknowledged_at ? `${t('detail.acked')} ${jstTime(u.acknowledged_at)}` : t('detail.notAcked') }),
        u.dispatched_at ? el('span', { class: 'mono small', text: jstTime(u.dispatched_at) }) : null,
        can.order && !u.released_at && ACTIVE.includes(inc.status) ? el('button', { type: 'button', class: 'small', 'data-testid': 'release-btn',
          text: t('detail.release'), onclick: async () => {
            try {
              applyIncident(await api('POST', `/api/v1/incidents/${encodeURIComponent(inc.id)}/release`, { units: [u.id] }));
              refreshDetail();
            } catch (err) { ui.toast(t('err.generic', { msg: err.message }), 'error'); }
          } }) : null));
    }

    // attachments
    clear(d.attachments);
    const atts = inc.attachments || [];
    if (!atts.length) d.attachments.append(el('li', { class: 'empty', text: t('detail.noAttachments') }));
    for (const a of atts) d.attachments.append(attachmentItem(inc.id, a));

    // timeline
    clear(d.timeline);
    for (const e of inc.timeline || []) {
      d.timeline.append(el('li', { 'data-testid': 'timeline-entry', 'data-kind': e.kind || '' },
        el('span', { class: 'mono ts', title: jstDateTime(e.ts), text: jstTime(e.ts) }),
        el('span', { class: 'actor', text: e.actor || '' }),
        el('span', { class: 'text', text: e.text || e.kind || '' })));
    }

    const active = ACTIVE.includes(inc.status);
    if (d.recSec) d.recSec.hidden = !active;
    if (d.closeSec) d.closeSec.hidden = !active;
  }

  function attachmentItem(incId, a) {
    const li = el('li', { 'data-testid': 'attachment', 'data-kind': a.kind, 'data-id': String(a.id) },
      el('span', { class: 'mono ts', title: jstDateTime(a.ts), text: jstTime(a.ts) }),
      el('span', { class: 'actor', text: a.by || '' }));
    if (a.kind === 'image') {
      const img = el('img', { class: 'thumb', alt: a.text || t('detail.image'), 'data-testid': 'attachment-image' });
      const key = `${incId}/${a.id}`;
      const cached = S.images.get(key);
      if (cached) img.src = cached;
      else {
        blobUrl(`/api/v1/incidents/${encodeURIComponent(incId)}/attachments/${encodeURIComponent(a.id)}`)
          .then((u) => { S.images.set(key, u); img.src = u; })
          .catch(() => { img.alt = `${t('detail.image')} (${t('err.network')})`; });
      }
      img.addEventListener('click', () => { if (img.src) window.open(img.src, '_blank', 'noopener'); });
      li.append(el('span', { class: 'text' }, img, a.text ? el('div', { text: a.text }) : null));
    } else {
      li.append(el('span', { class: 'text', text: a.text || '' }));
    }
    return li;
  }

  async function loadRecs() {
    const d = S.detailDom, id = S.selected;
    if (!d || !d.recList) return;
    d.recBtn.disabled = true;
    try {
      const r = await api('GET', `/api/v1/incidents/${encodeURIComponent(id)}/recommendations?limit=5`);
      if (S.selected !== id) return;
      clear(d.recList);
      const list = r.units || [];
      if (!list.length) d.recList.append(el('li', { class: 'empty', text: t('detail.noRecommend') }));
      list.forEach((u, n) => {
        d.recList.append(el('li', { 'data-testid': 'rec-row', 'data-unit': u.id },
          el('button', { type: 'button', class: 'primary', 'data-testid': 'dispatch-btn', 'data-unit': u.id,
            title: `${t('detail.dispatch')} ${u.callsign}${n < 9 ? ` (${n + 1})` : ''}`,
            text: t('detail.dispatch'), onclick: () => dispatchUnit(id, u.id) }),
          el('span', { class: 'callsign', text: u.callsign || u.id }),
          el('span', { text: kindLabel(u.kind) }),
          el('span', { text: stationName(u.station) }),
          el('span', { class: 'mono', text: typeof u.distance_m === 'number' ? t('detail.distance', { km: (u.distance_m / 1000).toFixed(2) }) : '' }),
          el('span', { class: 'mono', text: typeof u.eta_s === 'number' ? t('detail.eta', { eta: duration(u.eta_s) }) : '' })));
      });
    } catch (e) {
      ui.toast(t('err.generic', { msg: e.message }), 'error');
    } finally {
      d.recBtn.disabled = false;
    }
  }

  async function dispatchUnit(id, unitId) {
    try {
      const inc = await api('POST', `/api/v1/incidents/${encodeURIComponent(id)}/dispatch`, { units: [unitId] });
      applyIncident(inc);
      refreshDetail();
      loadRecs();
    } catch (e) {
      ui.toast(t('err.generic', { msg: e.message }), 'error');
      loadRecs();
    }
  }

  async function runQuery(id, d) {
    const name = d.qName.value.trim();
    if (!name) { d.qName.focus(); return; }
    const body = { name };
    if (d.qBirth.value) body.birth_date = d.qBirth.value;
    clear(d.qResult);
    try {
      const r = await api('POST', `/api/v1/incidents/${encodeURIComponent(id)}/query/person`, body);
      d.qResult.dataset.hit = r.hit ? '1' : '0';
      d.qResult.append(el('div', { class: r.hit ? 'verdict-hit' : 'verdict-nohit', 'data-testid': 'query-verdict',
        text: r.hit ? t('detail.queryHit', { count: r.count }) : t('detail.queryNoHit') }));
      if (r.query_id !== undefined) d.qResult.append(el('div', { class: 'small mono', text: `query_id ${r.query_id}` }));
      const ul = el('ul', { class: 'candidates' });
      for (const c of r.candidates || []) {
        const name2 = [c.name_kanji, c.name_kana, c.name_romaji].filter(Boolean).join(' / ');
        ul.append(el('li', { 'data-testid': 'query-candidate', class: c.hit ? 'hit' : '' },
          el('span', { class: 'mono', text: (typeof c.score === 'number' ? c.score.toFixed(2) : '') }),
          el('span', { text: ` ${c.kind || ''} ` }),
          el('strong', { text: name2 }),
          c.birth_date ? el('span', { text: ` ${c.birth_date} (${warekiOf(c.birth_date)})` }) : null,
          c.cautions && c.cautions.length ? el('span', { class: 'caution', text: ` ⚠ ${c.cautions.join(', ')}` }) : null,
          el('span', { class: 'small', text: ` ${c.agency || ''} ${c.id || ''}` })));
      }
      d.qResult.append(ul);
      if (r.more) d.qResult.append(el('div', { class: 'small', text: t('detail.queryMore') }));
    } catch (e) {
      d.qResult.append(el('div', { class: 'error', text: t('err.generic', { msg: e.message }) }));
    }
  }

  // ---------- intake (110番受理) ----------
  function fillIntakeSelects() {
    const ts = clear($('intake-type'));
    ts.append(el('option', { value: '', text: '—' }));
    const cats = new Map();
    for (const x of S.codes.incident_types || []) {
      const c = x.category || '';
      if (!cats.has(c)) cats.set(c, []);
      cats.get(c).push(x);
    }
    for (const [cat, list] of cats) {
      const parent = cat ? el('optgroup', { label: cat }) : ts;
      for (const x of list) parent.append(el('option', { value: x.code, text: `${label(x)} (${priLabel(x.priority)})` }));
      if (parent !== ts) ts.append(parent);
    }
    const ps = clear($('intake-priority'));
    ps.append(el('option', { value: '', text: t('intake.priorityAuto') }));
    for (const p of S.codes.priorities || []) ps.append(el('option', { value: String(p.code), text: `${p.code} ${priLabel(p.code)}` }));
  }

  function openIntake() {
    if (!can.intake) return;
    $('intake-form').hidden = false;
    $('intake-caller').focus();
  }

  function closeIntake() {
    $('intake-form').hidden = true;
    if (S.pickMarker) { S.pickMarker.remove(); S.pickMarker = null; }
  }

  function resetIntake() {
    for (const id of ['intake-caller', 'intake-lat', 'intake-lon', 'intake-uncertainty', 'intake-address', 'intake-narrative']) $(id).value = '';
    $('intake-withheld').checked = false;
    $('intake-wide').checked = false;
    $('intake-caller').disabled = false;
    $('intake-type').value = '';
    $('intake-priority').value = '';
  }

  async function submitIntake() {
    const err = $('intake-error');
    err.textContent = '';
    const type = $('intake-type').value;
    if (!type) { err.textContent = t('intake.needType'); $('intake-type').focus(); return; }
    const body = { type };
    const withheld = $('intake-withheld').checked;
    if (withheld) body.location_withheld = true;
    else if ($('intake-caller').value.trim()) body.caller_number = $('intake-caller').value.trim();
    const latS = $('intake-lat').value.trim(), lonS = $('intake-lon').value.trim();
    if (latS || lonS) {
      const lat = Number(latS), lon = Number(lonS);
      if (!latS || !lonS || !validLatLon(lat, lon)) { err.textContent = t('intake.needLocation'); return; }
      body.lat = lat;
      body.lon = lon;
      const u = $('intake-uncertainty').value.trim();
      if (u && Number.isFinite(Number(u))) body.uncertainty_m = Number(u);
    }
    if ($('intake-address').value.trim()) body.address = $('intake-address').value.trim();
    if ($('intake-priority').value) body.priority = Number($('intake-priority').value);
    if ($('intake-narrative').value.trim()) body.narrative = $('intake-narrative').value.trim();
    if ($('intake-wide').checked) body.wide_area = true;
    $('intake-submit').disabled = true;
    try {
      const r = await api('POST', '/api/v1/incidents', body);
      showIntakeResult(r);
      resetIntake();
      if (S.pickMarker) { S.pickMarker.remove(); S.pickMarker = null; }
      // the incident event will also arrive; fetch now so the queue and map show it at once
      try { applyIncident(await api('GET', `/api/v1/incidents/${encodeURIComponent(r.id)}`)); } catch (_) { /* event will do */ }
      select(r.id);
    } catch (e) {
      err.textContent = t('err.generic', { msg: e.message });
    } finally {
      $('intake-submit').disabled = false;
    }
  }

  function showIntakeResult(r) {
    const box = clear($('intake-result'));
    box.dataset.id = r.id;
    box.append(el('p', { class: 'created', 'data-testid': 'intake-created', text: t('intake.created', { id: r.id }) }),
      el('p', { class: 'small', text: r.station ? t('intake.station', { station: stationName(r.station) }) : t('intake.noStation') }));
    const dups = r.duplicates || [];
    box.append(el('h3', { text: t('intake.duplicates') }));
    const dl = el('ul', { class: 'dups', 'data-testid': 'duplicates' });
    if (!dups.length) dl.append(el('li', { class: 'empty', text: t('intake.noDuplicates') }));
    for (const d of dups) {
      dl.append(el('li', { 'data-testid': 'duplicate', 'data-id': d.id },
        el('button', { type: 'button', class: 'link mono', text: d.id, onclick: () => select(d.id) }),
        el('span', { text: ` ${typeLabel(d.type)} ${d.address || ''} ` }),
        el('span', { class: 'small', text: t('intake.dupInfo', { distance: Math.round(d.distance_m || 0), age: duration(d.age_s || 0) }) }),
        el('button', { type: 'button', class: 'small', 'data-testid': 'merge-btn', text: t('intake.merge'), onclick: async () => {
          if (!window.confirm(t('intake.mergeConfirm', { id: r.id, into: d.id }))) return;
          try {
            const inc = await api('POST', `/api/v1/incidents/${encodeURIComponent(r.id)}/merge`, { into: d.id });
            S.incidents.delete(r.id);
            const gone = S.incMarkers.get(r.id);
            if (gone) { gone.remove(); S.incMarkers.delete(r.id); }
            applyIncident(inc);
            ui.toast(t('intake.merged', { into: inc.id || d.id }));
            select(inc.id || d.id);
          } catch (e) { ui.toast(t('err.generic', { msg: e.message }), 'error'); }
        } })));
    }
    box.append(dl);
    const prior = r.prior_calls || [];
    box.append(el('h3', { text: t('intake.prior') }));
    const pl = el('ul', { class: 'prior', 'data-testid': 'prior-calls' });
    if (!prior.length) pl.append(el('li', { class: 'empty', text: t('intake.noPrior') }));
    for (const p of prior) {
      pl.append(el('li', { 'data-testid': 'prior-call', 'data-id': p.id },
        el('button', { type: 'button', class: 'link mono', text: p.id, onclick: () => select(p.id) }),
        el('span', { text: ` ${jstDateTime(p.created_at)} ${typeLabel(p.type)} ${p.address || ''} ` }),
        el('span', { class: `ist ist-${p.status}`, text: incStatusLabel(p.status) })));
    }
    box.append(pl);
  }

  // ---------- live events ----------
  function applyIncident(inc) {
    if (!inc || !inc.id) return;
    const prev = S.incidents.get(inc.id);
    const merged = prev ? Object.assign({}, prev, inc) : inc;
    delete merged.timeline;
    delete merged.attachments;
    delete merged.change;
    if (ACTIVE.includes(merged.status)) S.incidents.set(inc.id, merged);
    else S.incidents.delete(inc.id);
    updateIncidentMarker(merged);
    renderQueue();
  }

  function applyUnit(u) {
    if (!u || !u.id) return;
    const prev = S.units.get(u.id);
    const merged = prev ? Object.assign({}, prev, u) : u;
    S.units.set(u.id, merged);
    updateUnitMarker(merged);
    renderUnits();
  }

  function onEvent(type, data) {
    switch (type) {
      case 'incident':
        applyIncident(data);
        if (data.id === S.selected) refreshDetail();
        break;
      case 'unit':
        applyUnit(data);
        if (S.selected && (data.incident === S.selected || (S.detail && (S.detail.units || []).some((x) => x.id === data.id)))) refreshDetail();
        break;
      case 'position': {
        const u = S.units.get(data.unit);
        if (u) applyUnit({ id: data.unit, lat: data.lat, lon: data.lon, fix_at: data.ts, stale: false });
        break;
      }
      case 'message':
        if (data.incident === S.selected) refreshDetail();
        break;
      case 'alert': {
        const b = $('alert-banner');
        b.hidden = false;
        b.textContent = `${t('alert.title')}: ${data.headline || ''}${data.incident ? ' (' + data.incident + ')' : ''}`;
        b.title = data.description || '';
        break;
      }
      default:
        break;
    }
  }

  const conn = $('conn-status');
  const stream = new EventStream('/api/v1/events', {
    onEvent,
    onResync: async () => {
      try { await loadState(); } catch (e) { console.warn('reload', e); throw e; }
    },
    onState: (st) => { conn.dataset.state = st; conn.textContent = t('conn.' + st); },
  });

  // ---------- wiring ----------
  $('intake-open').hidden = !can.intake;
  $('intake-open').onclick = openIntake;
  $('intake-cancel').onclick = closeIntake;
  $('intake-form').onsubmit = (e) => { e.preventDefault(); submitIntake(); };
  $('intake-withheld').onchange = () => {
    $('intake-caller').disabled = $('intake-withheld').checked;
    if ($('intake-withheld').checked) $('intake-caller').value = '';
  };
  $('intake-lat').oninput = showPick;
  $('intake-lon').oninput = showPick;
  $('intake-type').onchange = () => {
    const x = find(S.codes.incident_types, $('intake-type').value);
    $('intake-priority').title = x ? `${t('intake.priorityAuto')} ${priLabel(x.priority)}` : '';
  };

  const onKey = (e) => {
    const inField = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement && document.activeElement.tagName);
    if (e.key === 'F2') { e.preventDefault(); openIntake(); return; }
    if (e.key === 'Escape' && !$('intake-form').hidden) { e.preventDefault(); closeIntake(); return; }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !$('intake-form').hidden && $('intake-form').contains(document.activeElement)) {
      e.preventDefault(); submitIntake(); return;
    }
    if (inField || e.ctrlKey || e.altKey || e.metaKey) return;
    if ((e.key === 'r' || e.key === 'R') && S.selected && can.order) { e.preventDefault(); loadRecs(); }
    else if (/^[1-9]$/.test(e.key) && S.detailDom && S.detailDom.recList) {
      const b = S.detailDom.recList.querySelectorAll('[data-testid="dispatch-btn"]')[Number(e.key) - 1];
      if (b) { e.preventDefault(); b.click(); }
    } else if (e.key === 'q' || e.key === 'Q') {
      const first = $('queue-body').querySelector('tr');
      if (first) { e.preventDefault(); first.focus(); }
    }
  };
  document.addEventListener('keydown', onKey);

  // Ages tick every second; a fix older than STALE_S is greyed even before the server says so.
  const STALE_S = 60;
  let tick = 0;
  const ticker = setInterval(() => {
    for (const td of $('queue-body').querySelectorAll('td.age')) td.textContent = ageOf(td.dataset.created);
    if (++tick % 5) return;
    let changed = false;
    for (const u of S.units.values()) {
      const at = u.fix_at ? Date.parse(u.fix_at) : NaN;
      if (!u.stale && Number.isFinite(at) && Date.now() - at > STALE_S * 1000) {
        u.stale = true;
        updateUnitMarker(u);
        changed = true;
      }
    }
    if (changed) renderUnits();
  }, 1000);

  let stopped = false;
  onLangChange(() => {
    if (stopped) return;
    fillIntakeSelects();
    renderQueue();
    renderUnits();
    conn.textContent = t('conn.' + (conn.dataset.state || 'connecting'));
    if (S.selected) { buildDetail(S.selected); if (S.detail) renderDetail(S.detail); }
  });

  await loadCodes();
  await loadStations();
  stream.start();
  setTimeout(() => M.map.invalidateSize(), 0);

  return {
    stop() {
      stopped = true;
      stream.stop();
      clearInterval(ticker);
      document.removeEventListener('keydown', onKey);
      M.map.remove();
      for (const u of S.images.values()) URL.revokeObjectURL(u);
      closeIntake();
      clear($('queue-body'));
      clear($('units-body'));
      clear($('detail-body'));
      $('detail-none').hidden = false;
    },
    state: S,
  };
}
