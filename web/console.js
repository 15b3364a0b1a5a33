// 指令台: the command-and-dispatch console (call takers, dispatchers, supervisors, admins; the
// station role gets the same view scoped by the server, without intake and orders).
import { t, label, priorityLabel, categoryLabel, onLangChange } from './i18n.js';
import { el, put, clear, $, api, blobUrl, EventStream, jstTime, jstDateTime, ageOf, duration,
         warekiOf, fmtCoord, download } from './util.js';
import { createMap, drawStations, validLatLon } from './map.js';
import { startAlerts, parseCap } from './alerts.js';
import { startReport } from './report.js';

const INTAKE_ROLES = ['call_taker', 'dispatcher', 'supervisor', 'admin'];
const ORDER_ROLES = ['dispatcher', 'supervisor', 'admin'];
const REPORT_ROLES = ['supervisor', 'admin'];
const ALERT_RADII = [300, 500, 1000, 2000, 3000, 5000, 10000]; // 緊急配備 circle, metres
const ACTIVE = ['open', 'dispatched', 'on_scene'];

export async function startConsole(me, ui) {
  const can = {
    intake: INTAKE_ROLES.includes(me.role),
    order: ORDER_ROLES.includes(me.role),
    report: REPORT_ROLES.includes(me.role),
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
    unitRows: new Map(), // unit id -> its board row's parts (updated in place)
    localSite: me.site || null, // learnt from our own incidents (no ext_id) when /me has no site
    correctPick: null,   // marker of the location picked for a correction
    alertPreview: null,  // circle of the deployment alert being prepared
  };

  // ---------- sites (広域) ----------
  // A wide-area copy of another site's incident: site ≠ ours (its ext_id is "SITE:ID"). EIDO
  // imports also carry an ext_id (the EIDO's $id) but are our own incidents, editable.
  // /api/v1/me has no site, so it is learnt: our own incidents have no ext_id; copies'
  // sites are other sites; as a last resort an EIDO export names the issuing (our) site.
  const remoteSites = new Set();
  function setLocalSite(site) {
    if (S.localSite || !site) return;
    S.localSite = site;
    if (alerts) alerts.relabel();
  }
  function learnSite(inc) {
    if (!inc || !inc.site) return;
    if (!inc.ext_id) setLocalSite(inc.site);
    else if (inc.ext_id.startsWith(inc.site + ':') && !remoteSites.has(inc.site)) {
      remoteSites.add(inc.site);
      if (alerts) alerts.relabel();
    }
  }
  let probing = false;
  async function probeLocalSite() {
    if (S.localSite || probing) return;
    const any = S.incidents.keys().next().value;
    if (!any) return;
    probing = true;
    try {
      const e = await api('GET', `/api/v1/incidents/${encodeURIComponent(any)}/eido`);
      if (e && typeof e.issuingElementIdentification === 'string' && !S.localSite) {
        setLocalSite(e.issuingElementIdentification);
        renderQueue();
        if (S.detail) renderDetail(S.detail);
      }
    } catch (_) { /* unknown for now */ } finally { probing = false; }
  }
  // Whether an alert's site is another prefecture (null: cannot tell yet).
  function siteIsRemote(site) {
    if (!site) return false;
    if (S.localSite) return site !== S.localSite;
    return remoteSites.has(site) ? true : null;
  }
  function isRemote(inc) {
    if (!inc || !inc.site) return false;
    if (S.localSite) return inc.site !== S.localSite;
    return typeof inc.ext_id === 'string' && inc.ext_id.startsWith(inc.site + ':');
  }
  let alerts = null;

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
    if (!$('intake-form').hidden) {
      $('intake-lat').value = e.latlng.lat.toFixed(6);
      $('intake-lon').value = e.latlng.lng.toFixed(6);
      showPick();
      return;
    }
    const d = S.detailDom;
    if (d && d.cForm && !d.cForm.hidden) {
      d.cLat.value = e.latlng.lat.toFixed(6);
      d.cLon.value = e.latlng.lng.toFixed(6);
      showCorrectPick();
    }
  });

  function showCorrectPick() {
    if (S.correctPick) { S.correctPick.remove(); S.correctPick = null; }
    const d = S.detailDom;
    if (!d || !d.cForm || d.cForm.hidden) return;
    const lat = parseFloat(d.cLat.value), lon = parseFloat(d.cLon.value);
    if (!validLatLon(lat, lon)) return;
    S.correctPick = L.marker([lat, lon], { interactive: false, keyboard: false,
      icon: L.divIcon({ className: 'pick-marker correct', html: el('span', { 'data-testid': 'correct-pick-marker', text: '✚' }), iconSize: [24, 24], iconAnchor: [12, 12] }) }).addTo(M.map);
  }

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
    for (const i of ri.incidents || []) { learnSite(i); S.incidents.set(i.id, i); }
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
      const remote = isRemote(i);
      const tr = el('tr', { 'data-testid': 'queue-row', 'data-id': i.id, 'data-status': i.status, tabindex: 0,
        'data-remote': remote ? '1' : '0',
        class: (i.id === S.selected ? 'selected' : '') + (remote ? ' remote' : ''),
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
      el('td', { class: 'addr', title: remote ? t('remote.title', { site: i.site }) : null },
        remote ? el('span', { class: 'remote-flag', 'data-testid': 'remote-flag', text: `${t('remote.flag')} ${i.site}` }) : null,
        remote ? ' ' : null,
        el('span', { class: 'addr-text', text: i.address || (i.location ? `${fmtCoord(i.location.lat)}, ${fmtCoord(i.location.lon)}` : '') })),
      el('td', null, el('span', { class: `ist ist-${i.status}`, 'data-testid': 'queue-status', text: incStatusLabel(i.status) })),
      el('td', { class: 'mono', title: jstDateTime(i.created_at), text: jstTime(i.created_at) }),
      el('td', { class: 'mono age', 'data-created': i.created_at || '', text: ageOf(i.created_at) }));
      body.append(tr);
    }
    $('queue-empty').hidden = list.length > 0;
    $('queue-count').textContent = String(list.length);
  }

  // ---------- unit board ----------
  // Rows are built once per unit and updated in place, so a unit or position event does not
  // close an open status-override dropdown (its options are rebuilt only when it is not in use).
  const unitOrder = (a, b) =>
    String(a.station).localeCompare(String(b.station)) || String(a.callsign).localeCompare(String(b.callsign), 'ja') || a.id.localeCompare(b.id);

  function buildUnitRow(u) {
    const r = { id: u.id };
    r.callsign = el('td', { class: 'callsign' });
    r.kind = el('td');
    r.station = el('td');
    r.status = el('span', { class: 'ust', 'data-testid': 'unit-status' });
    r.staleFlag = el('span', { class: 'stale-flag', text: ' ⌛', hidden: true });
    r.statusCell = el('td', null, r.status, r.staleFlag);
    r.incCell = el('td');
    r.tr = el('tr', { 'data-testid': 'unit-row', 'data-id': u.id }, r.callsign, r.kind, r.station, r.statusCell, r.incCell);
    return r;
  }

  function updateUnitRow(r, u) {
    const fix = u.fix_at ? `${jstDateTime(u.fix_at)}` : t('units.nofix');
    r.tr.dataset.status = u.status;
    r.tr.className = u.stale ? 'stale' : '';
    r.tr.title = u.stale ? `${t('units.stale')} (${fix})` : fix;
    r.callsign.textContent = u.callsign || u.id;
    r.kind.textContent = kindLabel(u.kind);
    r.station.textContent = stationName(u.station);
    r.status.className = `ust st-${u.status}`;
    r.status.dataset.status = u.status;
    r.status.textContent = unitStatusLabel(u.status);
    r.staleFlag.hidden = !u.stale;
    r.staleFlag.title = t('units.stale');
    if (canSetStatus(u)) {
      if (!r.sel) { r.sel = statusSetter(u); r.statusCell.append(r.sel); }
      r.sel.title = t('units.setStatus');
      r.sel.setAttribute('aria-label', `${u.callsign} ${t('units.setStatus')}`);
      if (r.selFor !== u.status) {
        if (document.activeElement === r.sel) r.selStale = true; // rebuilt on blur
        else fillStatusSetter(r, u.status);
      }
    } else if (r.sel) { r.sel.remove(); r.sel = null; r.selFor = null; }
    if (r.incFor !== (u.incident || null)) {
      r.incFor = u.incident || null;
      clear(r.incCell);
      if (u.incident) r.incCell.append(el('button', { type: 'button', class: 'link mono', text: u.incident, onclick: () => select(u.incident) }));
    }
    r.key = `${u.station}\u0000${u.callsign}`;
  }

  // Full pass: adds, removes and orders rows without recreating existing ones.
  function renderUnits() {
    const body = $('units-body');
    const list = [...S.units.values()].sort(unitOrder);
    for (const [id, r] of S.unitRows) if (!S.units.has(id)) { r.tr.remove(); S.unitRows.delete(id); }
    list.forEach((u, n) => {
      let r = S.unitRows.get(u.id);
      if (!r) { r = buildUnitRow(u); S.unitRows.set(u.id, r); }
      updateUnitRow(r, u);
      if (body.children[n] !== r.tr) body.insertBefore(r.tr, body.children[n] || null);
    });
    $('units-empty').hidden = list.length > 0;
    $('units-count').textContent = String(list.length);
  }

  // One unit changed: update its row in place; a new unit or a new sort key takes a full pass.
  function renderUnit(u) {
    const r = S.unitRows.get(u.id);
    if (!r || r.key !== `${u.station}\u0000${u.callsign}`) { renderUnits(); return; }
    updateUnitRow(r, u);
  }

  // Labels change with the language: refresh every row (still in place).
  function relabelUnits() {
    for (const r of S.unitRows.values()) { r.selFor = null; }
    renderUnits();
  }

  // Dispatchers may set any unit's status, a station its own units' (the server decides).
  function canSetStatus(u) {
    return can.order || (me.role === 'station' && me.station && u.station === me.station);
  }

  function statusSetter(u) {
    const id = u.id;
    const sel = el('select', { class: 'status-set', 'data-testid': 'unit-status-set',
      onclick: (e) => e.stopPropagation(),
      onblur: () => {
        const r = S.unitRows.get(id), cur = S.units.get(id);
        if (r && r.selStale && cur) { r.selStale = false; fillStatusSetter(r, cur.status); }
      },
      onchange: async () => {
        const status = sel.value;
        sel.value = '';
        if (!status) return;
        try {
          applyUnit(await api('POST', `/api/v1/units/${encodeURIComponent(id)}/status`, { status }));
        } catch (e) { ui.toast(t('err.generic', { msg: e.message }), 'error'); }
      } });
    return sel;
  }

  function fillStatusSetter(r, status) {
    const sel = clear(r.sel);
    sel.append(el('option', { value: '', text: '▾' }));
    for (const x of S.codes.unit_statuses || []) {
      if (x.code !== status) sel.append(el('option', { value: x.code, text: label(x) }));
    }
    sel.value = '';
    r.selFor = status;
    r.selStale = false;
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
    if (S.correctPick) { S.correctPick.remove(); S.correctPick = null; }
    if (S.alertPreview) { S.alertPreview.remove(); S.alertPreview = null; }
    $('detail-none').hidden = true;
    const body = clear($('detail-body'));
    body.hidden = false;
    const d = {};
    d.head = el('div', { class: 'detail-head', id: 'detail-head' });
    d.info = el('dl', { class: 'info', id: 'detail-info' });
    d.units = el('ul', { class: 'dunits', id: 'detail-units', 'data-testid': 'detail-units' });
    d.timeline = el('ol', { class: 'timeline', id: 'detail-timeline', 'data-testid': 'detail-timeline' });
    d.attachments = el('ul', { class: 'attachments', id: 'detail-attachments', 'data-testid': 'detail-attachments' });
    d.remote = el('p', { class: 'remote-note', id: 'detail-remote', 'data-testid': 'detail-remote', hidden: true });
    d.eidoBtn = el('button', { type: 'button', class: 'small', id: 'eido-export', 'data-testid': 'eido-export', text: t('eido.export'),
      onclick: () => exportEido(id) });
    body.append(d.head, d.remote, d.info, el('div', { class: 'row detail-tools' }, d.eidoBtn));
    if (can.intake) buildCorrection(id, d, body);
    if (can.order) buildAlertForm(id, d, body);
    body.append(section('detail.units', 'detail-units-sec', d.units));

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
    d.msgSec = section('detail.message', 'msg-section', msgForm);
    body.append(d.msgSec);
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

  // ---- 訂正 (PATCH /api/v1/incidents/ID): only changed fields are sent ----
  function buildCorrection(id, d, body) {
    const f = (tag, idName, attrs) => el(tag, Object.assign({ id: idName, 'data-testid': idName }, attrs || {}));
    d.cAddress = f('input', 'correct-address', { maxlength: 200 });
    d.cType = f('select', 'correct-type');
    d.cPriority = f('select', 'correct-priority');
    d.cNarrative = f('textarea', 'correct-narrative', { rows: 3, maxlength: 4000 });
    d.cLat = f('input', 'correct-lat', { inputmode: 'decimal' });
    d.cLon = f('input', 'correct-lon', { inputmode: 'decimal' });
    d.cUnc = f('input', 'correct-uncertainty', { inputmode: 'numeric' });
    d.cLat.oninput = showCorrectPick;
    d.cLon.oninput = showCorrectPick;
    d.cError = f('span', 'correct-error', { class: 'error', role: 'alert' });
    d.cStale = f('p', 'correct-stale', { class: 'stale-note', hidden: true });
    const lab = (key, input, cls) => el('label', { class: cls || null }, el('span', { text: t(key) }), input);
    const grid = el('div', { class: 'form-grid' },
      lab('intake.address', d.cAddress, 'wide'),
      lab('intake.type', d.cType), lab('intake.priority', d.cPriority),
      lab('intake.lat', d.cLat), lab('intake.lon', d.cLon),
      el('p', { class: 'hint wide', text: t('correct.pickHint') }),
      lab('intake.uncertainty', d.cUnc));
    if (can.order) {
      d.cStation = f('select', 'correct-station');
      d.cWide = f('input', 'correct-wide', { type: 'checkbox' });
      grid.append(lab('correct.station', d.cStation), el('label', { class: 'check' }, d.cWide, el('span', { text: t('correct.wide') })));
    }
    grid.append(lab('intake.narrative', d.cNarrative, 'wide'));
    d.cSubmit = f('button', 'correct-submit', { type: 'submit', class: 'primary', text: t('correct.submit') });
    d.cForm = el('form', { id: 'correct-form', 'data-testid': 'correct-form', class: 'correct-form', hidden: true, novalidate: true,
      onsubmit: (e) => { e.preventDefault(); submitCorrection(id, d); },
      onkeydown: (e) => {
        if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); closeCorrection(d); }
        else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submitCorrection(id, d); }
      } },
    d.cStale, grid,
    el('div', { class: 'actions row' }, d.cSubmit,
      f('button', 'correct-cancel', { type: 'button', text: t('correct.cancel'), onclick: () => closeCorrection(d) }), d.cError));
    d.cOpen = f('button', 'correct-open', { type: 'button', text: t('correct.open'), onclick: () => openCorrection(d) });
    d.cSec = section('correct.title', 'correct-section', d.cOpen, d.cForm);
    body.append(d.cSec);
  }

  function fillCorrection(d, inc) {
    fillTypeSelect(d.cType, false);
    clear(d.cPriority);
    for (const p of S.codes.priorities || []) d.cPriority.append(el('option', { value: String(p.code), text: `${p.code} ${priLabel(p.code)}` }));
    d.cAddress.value = inc.address || '';
    d.cType.value = inc.type || '';
    d.cPriority.value = String(inc.priority || '');
    d.cNarrative.value = inc.narrative || '';
    const loc = inc.location;
    d.cLat.value = loc && validLatLon(loc.lat, loc.lon) ? loc.lat.toFixed(6) : '';
    d.cLon.value = loc && validLatLon(loc.lat, loc.lon) ? loc.lon.toFixed(6) : '';
    d.cUnc.value = loc && typeof loc.uncertainty_m === 'number' && loc.uncertainty_m > 0 ? String(loc.uncertainty_m) : '';
    if (d.cStation) {
      clear(d.cStation).append(el('option', { value: '', text: t('correct.stationAuto') }));
      for (const st of [...S.stations.values()].sort((a, b) => String(a.name).localeCompare(String(b.name), 'ja'))) {
        d.cStation.append(el('option', { value: st.id, text: st.name ? `${st.name} (${st.id})` : st.id }));
      }
      d.cStation.value = inc.station && S.stations.has(inc.station) ? inc.station : '';
      d.cWide.checked = !!inc.wide_area;
    }
    d.cBase = { version: inc.version, address: d.cAddress.value, type: d.cType.value, priority: d.cPriority.value,
      narrative: d.cNarrative.value, lat: d.cLat.value, lon: d.cLon.value, unc: d.cUnc.value,
      station: d.cStation ? d.cStation.value : '', wide: d.cWide ? d.cWide.checked : false };
    d.cStale.hidden = true;
    d.cError.textContent = '';
  }

  function openCorrection(d) {
    if (!S.detail || isRemote(S.detail)) return;
    closeIntake();
    fillCorrection(d, S.detail);
    d.cForm.hidden = false;
    d.cOpen.hidden = true;
    showCorrectPick();
    d.cAddress.focus();
  }

  function closeCorrection(d) {
    if (!d || !d.cForm) return;
    d.cForm.hidden = true;
    d.cOpen.hidden = false;
    if (S.correctPick) { S.correctPick.remove(); S.correctPick = null; }
  }

  async function submitCorrection(id, d) {
    const b = d.cBase || {};
    const body = {};
    d.cError.textContent = '';
    if (d.cAddress.value.trim() !== b.address.trim()) body.address = d.cAddress.value.trim();
    if (d.cType.value && d.cType.value !== b.type) body.type = d.cType.value;
    if (d.cPriority.value && d.cPriority.value !== b.priority) body.priority = Number(d.cPriority.value);
    if (d.cNarrative.value.trim() !== b.narrative.trim()) body.narrative = d.cNarrative.value.trim();
    const latS = d.cLat.value.trim(), lonS = d.cLon.value.trim(), uncS = d.cUnc.value.trim();
    if (latS !== b.lat || lonS !== b.lon || uncS !== b.unc) {
      const lat = Number(latS), lon = Number(lonS);
      if (!latS || !lonS || !validLatLon(lat, lon)) { d.cError.textContent = t('intake.needLocation'); return; }
      body.lat = lat;
      body.lon = lon;
      if (uncS && Number.isFinite(Number(uncS))) body.uncertainty_m = Number(uncS);
    }
    if (d.cStation && d.cStation.value && d.cStation.value !== b.station) body.station = d.cStation.value;
    if (d.cWide && d.cWide.checked !== b.wide) body.wide_area = d.cWide.checked;
    if (!Object.keys(body).length) { d.cError.textContent = t('correct.nothing'); return; }
    d.cSubmit.disabled = true;
    try {
      const inc = await api('PATCH', `/api/v1/incidents/${encodeURIComponent(id)}`, body);
      applyIncident(inc);
      if (S.selected === id) { S.detail = inc; renderDetail(inc); }
      closeCorrection(d);
      ui.toast(t('correct.saved', { id, version: inc.version }));
    } catch (e) {
      d.cError.textContent = t('err.generic', { msg: e.message });
    } finally {
      d.cSubmit.disabled = false;
    }
  }

  // ---- 緊急配備 (POST /api/v1/alerts): answer is CAP 1.2 XML, offered as a download ----
  function buildAlertForm(id, d, body) {
    const f = (tag, idName, attrs) => el(tag, Object.assign({ id: idName, 'data-testid': idName }, attrs || {}));
    d.aHeadline = f('input', 'alert-headline', { maxlength: 160, class: 'grow' });
    d.aDesc = f('textarea', 'alert-description', { rows: 3, maxlength: 4000 });
    d.aRadius = f('select', 'alert-radius');
    for (const r of ALERT_RADII) d.aRadius.append(el('option', { value: String(r), text: r >= 1000 ? `${r / 1000} km` : `${r} m` }));
    d.aRadius.value = '2000';
    d.aRadius.onchange = showAlertPreview;
    d.aNoLoc = el('p', { class: 'hint', text: t('alert.noLocation'), hidden: true });
    d.aError = f('span', 'alert-error', { class: 'error', role: 'alert' });
    d.aResult = f('div', 'alert-result', { class: 'alert-result' });
    d.aSubmit = f('button', 'alert-submit', { type: 'submit', class: 'danger', text: t('alert.submit') });
    const lab = (key, input) => el('label', null, el('span', { text: t(key) }), input);
    d.aForm = el('form', { id: 'alert-form', 'data-testid': 'alert-form', class: 'alert-form', hidden: true, novalidate: true,
      onsubmit: (e) => { e.preventDefault(); issueAlert(id, d); },
      onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); closeAlertForm(d); } } },
    lab('alert.headline', d.aHeadline), lab('alert.description', d.aDesc), lab('alert.radius', d.aRadius), d.aNoLoc,
    el('div', { class: 'actions row' }, d.aSubmit,
      f('button', 'alert-cancel', { type: 'button', text: t('alert.cancel'), onclick: () => closeAlertForm(d) }), d.aError));
    d.aOpen = f('button', 'alert-open', { type: 'button', class: 'danger', text: t('alert.issueOpen'), onclick: () => openAlertForm(d) });
    d.aSec = section('alert.issue', 'alert-section', d.aOpen, d.aForm, d.aResult);
    body.append(d.aSec);
  }

  function openAlertForm(d) {
    const inc = S.detail;
    if (!inc || isRemote(inc)) return;
    if (!d.aHeadline.value) {
      d.aHeadline.value = t('alert.defaultHeadline', { type: typeLabel(inc.type, inc.type_label), address: inc.address || '' }).trim().slice(0, 160);
    }
    if (!d.aDesc.value) d.aDesc.value = (inc.narrative || d.aHeadline.value).slice(0, 4000);
    d.aForm.hidden = false;
    d.aOpen.hidden = true;
    d.aError.textContent = '';
    showAlertPreview();
    d.aHeadline.focus();
  }

  function closeAlertForm(d) {
    if (!d || !d.aForm) return;
    d.aForm.hidden = true;
    d.aOpen.hidden = false;
    showAlertPreview();
  }

  function alertCircle() {
    const d = S.detailDom, inc = S.detail;
    const loc = inc && inc.location;
    if (!d || !d.aForm || !loc || !validLatLon(loc.lat, loc.lon)) return null;
    return { lat: loc.lat, lon: loc.lon, radius_m: Number(d.aRadius.value) };
  }

  // The area being prepared, drawn while the form is open.
  function showAlertPreview() {
    if (S.alertPreview) { S.alertPreview.remove(); S.alertPreview = null; }
    const d = S.detailDom;
    if (!d || !d.aForm) return;
    const c = alertCircle();
    d.aNoLoc.hidden = !!c;
    if (d.aForm.hidden || !c) return;
    S.alertPreview = L.circle([c.lat, c.lon], { radius: c.radius_m, className: 'alert-preview', color: '#c8102e', weight: 2, fillOpacity: 0.12, interactive: false }).addTo(M.map);
    M.map.fitBounds(S.alertPreview.getBounds(), { maxZoom: 15, animate: false });
  }

  async function issueAlert(id, d) {
    const headline = d.aHeadline.value.trim(), description = d.aDesc.value.trim();
    d.aError.textContent = '';
    if (!headline) { d.aHeadline.focus(); return; }
    if (!description) { d.aDesc.focus(); return; }
    if (!window.confirm(t('alert.confirm', { id }))) return;
    const body = { incident: id, headline, description };
    const c = alertCircle();
    if (c) body.circle = c;
    d.aSubmit.disabled = true;
    try {
      const xml = await api('POST', '/api/v1/alerts', body);
      const cap = parseCap(typeof xml === 'string' ? xml : '');
      const ident = cap.identifier || `${id}-${Date.now()}`;
      const m = /^([^@]+)@keitsu$/.exec(cap.sender || '');
      if (m) setLocalSite(m[1]);
      const name = `CAP-${ident}.xml`;
      clear(d.aResult).append(
        el('p', { class: 'created', text: t('alert.issued', { id: ident }) }),
        el('button', { type: 'button', id: 'alert-cap-download', 'data-testid': 'alert-cap-download', 'data-identifier': ident,
          text: t('alert.download'), onclick: () => download(name, xml, 'application/cap+xml') }));
      download(name, xml, 'application/cap+xml');
      d.aHeadline.value = '';
      d.aDesc.value = '';
      closeAlertForm(d);
      refreshDetail();
    } catch (e) {
      d.aError.textContent = t('err.generic', { msg: e.message });
    } finally {
      d.aSubmit.disabled = false;
    }
  }

  // ---- EIDO ----
  async function exportEido(id) {
    try {
      const eido = await api('GET', `/api/v1/incidents/${encodeURIComponent(id)}/eido`);
      download(`EIDO-${id}.json`, JSON.stringify(eido, null, 2), 'application/json');
    } catch (e) { ui.toast(t('err.generic', { msg: e.message }), 'error'); }
  }

  async function importEido(file) {
    let doc;
    try {
      doc = JSON.parse(await file.text());
    } catch (e) {
      ui.toast(t('eido.badFile', { msg: e.message }), 'error');
      return;
    }
    try {
      const r = await api('POST', '/api/v1/eido', doc);
      const dups = (r.duplicates || []).length;
      ui.toast(dups ? t('eido.importedDup', { id: r.id, n: dups }) : t('eido.imported', { id: r.id }));
      try { applyIncident(await api('GET', `/api/v1/incidents/${encodeURIComponent(r.id)}`)); } catch (_) { /* event will do */ }
      select(r.id);
    } catch (e) { ui.toast(t('err.generic', { msg: e.message }), 'error'); }
  }

  function dd(key, value, attrs) {
    if (value === undefined || value === null || value === '') return [];
    return [el('dt', { text: t(key) }), el('dd', attrs || null, value)];
  }

  function renderDetail(inc) {
    const d = S.detailDom;
    if (!d) return;
    learnSite(inc);
    const remote = isRemote(inc);
    const det = $('incident-detail');
    det.dataset.status = inc.status;
    det.dataset.remote = remote ? '1' : '0';
    det.dataset.version = String(inc.version ?? '');
    const typeEntry = find(S.codes.incident_types, inc.type);
    put(clear(d.head),
      el('span', { class: `pri pri-${inc.priority}`, 'data-testid': 'detail-priority', 'data-priority': String(inc.priority), text: priLabel(inc.priority) }),
      el('strong', { class: 'mono', id: 'detail-id', 'data-testid': 'detail-id', text: inc.id }),
      el('span', { class: 'dtype', id: 'detail-type', 'data-testid': 'detail-type', 'data-type': inc.type, text: typeLabel(inc.type, inc.type_label) }),
      el('span', { class: `ist ist-${inc.status}`, id: 'detail-status', 'data-testid': 'detail-status', 'data-status': inc.status, text: incStatusLabel(inc.status) }),
      inc.wide_area ? el('span', { class: 'wide-flag', 'data-testid': 'detail-wide', text: t('detail.wide') }) : null,
      remote ? el('span', { class: 'remote-flag', id: 'detail-remote-flag', 'data-testid': 'detail-remote-flag', text: `${t('remote.flag')} ${inc.site}` }) : null,
      !remote && inc.ext_id ? el('span', { class: 'eido-flag', title: inc.ext_id, text: t('eido.flag') }) : null,
      el('span', { class: 'spacer' }),
      el('span', { class: 'version mono', id: 'detail-version', 'data-testid': 'detail-version', 'data-version': String(inc.version ?? ''),
        title: t('detail.version'), text: inc.version !== undefined ? `v${inc.version}` : '' }));
    d.remote.hidden = !remote;
    d.remote.textContent = remote ? t('remote.title', { site: inc.site }) : '';
    const loc = inc.location;
    clear(d.info).append(
      ...dd('detail.caller', inc.location_withheld ? t('detail.withheld') : inc.caller_number),
      ...dd('detail.address', inc.address, { id: 'detail-address', 'data-testid': 'detail-address' }),
      ...dd('detail.category', categoryLabel(typeEntry) || inc.category),
      ...dd('detail.site', remote ? inc.site : ''),
      ...dd('detail.location', loc ? `${fmtCoord(loc.lat)}, ${fmtCoord(loc.lon)}${loc.uncertainty_m ? ` ±${loc.uncertainty_m} m` : ''}` : ''),
      ...dd('detail.station', stationName(inc.station), { id: 'detail-station', 'data-testid': 'detail-station', 'data-station': inc.station || '' }),
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

    // timeline (entries new since the last render flash)
    clear(d.timeline);
    const seen = d.tlSeen === undefined ? Infinity : d.tlSeen;
    (inc.timeline || []).forEach((e, n) => {
      d.timeline.append(el('li', { 'data-testid': 'timeline-entry', 'data-kind': e.kind || '', class: n >= seen ? 'new' : '' },
        el('span', { class: 'mono ts', title: jstDateTime(e.ts), text: jstTime(e.ts) }),
        el('span', { class: 'actor', text: e.actor || '' }),
        el('span', { class: 'text', text: e.text || e.kind || '' })));
    });
    d.tlSeen = (inc.timeline || []).length;

    // a copy of another site's incident is read-only here
    const active = ACTIVE.includes(inc.status);
    const writable = active && !remote;
    if (d.recSec) d.recSec.hidden = !writable;
    if (d.closeSec) d.closeSec.hidden = !writable;
    if (d.msgSec) d.msgSec.hidden = remote;
    if (d.cSec) {
      d.cSec.hidden = !writable;
      if (!writable) closeCorrection(d);
      else if (!d.cForm.hidden && d.cBase && d.cBase.version !== inc.version) {
        d.cStale.hidden = false;
        clear(d.cStale).append(t('correct.stale', { version: inc.version }), ' ',
          el('button', { type: 'button', class: 'small', id: 'correct-reload', 'data-testid': 'correct-reload', text: t('correct.reload'),
            onclick: () => { fillCorrection(d, S.detail); showCorrectPick(); } }));
      }
    }
    if (d.aSec) {
      d.aSec.hidden = !writable;
      if (!writable) closeAlertForm(d);
      else if (!d.aForm.hidden) showAlertPreview();
    }
    for (const b of d.units.querySelectorAll('[data-testid="release-btn"]')) b.hidden = remote;
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
  // Incident types grouped by category (category_en in English).
  function fillTypeSelect(ts, withEmpty) {
    const keep = ts.value;
    clear(ts);
    if (withEmpty) ts.append(el('option', { value: '', text: '—' }));
    const cats = new Map();
    for (const x of S.codes.incident_types || []) {
      const c = x.category || '';
      if (!cats.has(c)) cats.set(c, { label: categoryLabel(x), list: [] });
      cats.get(c).list.push(x);
    }
    for (const [cat, g] of cats) {
      const parent = cat ? el('optgroup', { label: g.label }) : ts;
      for (const x of g.list) parent.append(el('option', { value: x.code, text: `${label(x)} (${priLabel(x.priority)})` }));
      if (parent !== ts) ts.append(parent);
    }
    ts.value = keep;
  }

  function fillIntakeSelects() {
    fillTypeSelect($('intake-type'), true);
    const ps = clear($('intake-priority'));
    ps.append(el('option', { value: '', text: t('intake.priorityAuto') }));
    for (const p of S.codes.priorities || []) ps.append(el('option', { value: String(p.code), text: `${p.code} ${priLabel(p.code)}` }));
  }

  function openIntake() {
    if (!can.intake) return;
    if (S.detailDom) closeCorrection(S.detailDom);
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
    learnSite(inc);
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
    renderUnit(merged);
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
      case 'alert':
        alerts.onAlert(data);
        if (!S.localSite) probeLocalSite();
        if (data && data.incident === S.selected) refreshDetail();
        break;
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
  alerts = startAlerts({ map: M.map, ui, select: (id) => select(id), siteIsRemote });
  const report = can.report ? startReport(ui) : null;
  $('report-open').hidden = !can.report;
  $('eido-import').hidden = !can.intake;
  $('eido-import').onclick = () => $('eido-import-file').click();
  $('eido-import-file').onchange = async () => {
    const f = $('eido-import-file').files[0];
    $('eido-import-file').value = '';
    if (f) await importEido(f);
  };
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
    relabelUnits();
    conn.textContent = t('conn.' + (conn.dataset.state || 'connecting'));
    if (S.selected) { buildDetail(S.selected); if (S.detail) renderDetail(S.detail); }
  });
  // The map's box changes when the alert banner shows or hides.
  const resizeObs = new ResizeObserver(() => M.map.invalidateSize());
  resizeObs.observe($('map'));

  await loadCodes();
  await loadStations();
  stream.start();
  setTimeout(() => M.map.invalidateSize(), 0);

  return {
    stop() {
      stopped = true;
      stream.stop();
      resizeObs.disconnect();
      alerts.stop();
      if (report) report.stop();
      clearInterval(ticker);
      document.removeEventListener('keydown', onKey);
      M.map.remove();
      for (const u of S.images.values()) URL.revokeObjectURL(u);
      closeIntake();
      clear($('queue-body'));
      clear($('units-body'));
      S.unitRows.clear();
      clear($('detail-body'));
      $('detail-none').hidden = false;
    },
    state: S,
  };
}
