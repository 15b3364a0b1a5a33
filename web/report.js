// リスポンス・タイム: the response-time report for supervisors (and admins).
// GET /api/v1/reports/response-times?from=YYYY-MM-DD&to=YYYY-MM-DD — JST calendar days, both
// inclusive — answers {count, call_to_dispatch_s, dispatch_to_arrival_s, call_to_arrival_s},
// each {n, mean, p50, p90} in seconds (null when n is 0). Shown as minutes:seconds.
import { t, onLangChange } from './i18n.js';
import { el, clear, $, api, warekiOf, todayJst } from './util.js';

const METRICS = ['call_to_dispatch', 'dispatch_to_arrival', 'call_to_arrival'];

// 125.4 → "2:05"; 3725 → "62:05"; null → "—".
export function minSec(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function startReport(ui) {
  const panel = $('report-panel');
  let last = null; // last answer, re-rendered on a language change

  function showWareki() {
    $('report-from-wareki').textContent = warekiOf($('report-from').value);
    $('report-to-wareki').textContent = warekiOf($('report-to').value);
  }

  function open() {
    if (!$('report-from').value) $('report-from').value = todayJst();
    if (!$('report-to').value) $('report-to').value = todayJst();
    showWareki();
    panel.hidden = false;
    $('report-from').focus();
  }

  function close() { panel.hidden = true; }

  function render(r) {
    $('report-range').textContent = t('report.range', { from: warekiOf(r.from) || r.from, to: warekiOf(r.to) || r.to });
    const count = $('report-count');
    count.textContent = t('report.count', { n: r.count });
    count.dataset.count = String(r.count);
    const body = clear($('report-body'));
    for (const m of METRICS) {
      const s = r[m + '_s'] || {};
      body.append(el('tr', { 'data-testid': 'report-row', 'data-metric': m },
        el('th', { scope: 'row', text: t('report.' + m) }),
        el('td', { class: 'mono', 'data-testid': 'report-n', text: String(s.n ?? 0) }),
        el('td', { class: 'mono', 'data-testid': 'report-mean', text: minSec(s.mean) }),
        el('td', { class: 'mono', 'data-testid': 'report-p50', text: minSec(s.p50) }),
        el('td', { class: 'mono', 'data-testid': 'report-p90', text: minSec(s.p90) })));
    }
    $('report-result').hidden = false;
  }

  async function run() {
    const from = $('report-from').value, to = $('report-to').value;
    $('report-error').textContent = '';
    if (!from || !to) { $('report-error').textContent = t('report.from') + ' / ' + t('report.to'); return; }
    $('report-submit').disabled = true;
    try {
      last = await api('GET', `/api/v1/reports/response-times?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      render(last);
    } catch (e) {
      $('report-result').hidden = true;
      $('report-error').textContent = t('err.generic', { msg: e.message });
    } finally {
      $('report-submit').disabled = false;
    }
  }

  const onKey = (e) => { if (e.key === 'Escape' && !panel.hidden) { e.preventDefault(); close(); } };
  $('report-open').onclick = () => (panel.hidden ? open() : close());
  $('report-close').onclick = close;
  $('report-form').onsubmit = (e) => { e.preventDefault(); run(); };
  $('report-from').oninput = showWareki;
  $('report-to').oninput = showWareki;
  document.addEventListener('keydown', onKey);
  let stopped = false;
  onLangChange(() => { if (!stopped && last) render(last); });
  void ui;

  return {
    stop() {
      stopped = true;
      close();
      last = null;
      $('report-result').hidden = true;
      clear($('report-body'));
      document.removeEventListener('keydown', onKey);
    },
  };
}
