// Entry point: language toggle, login (token in sessionStorage) and the choice of view by role.
import { t, getLang, setLang, applyI18n } from './i18n.js';
import { api, session, $, setUnauthorizedHandler } from './util.js';

const CONSOLE_ROLES = ['call_taker', 'dispatcher', 'supervisor', 'admin', 'station'];
let current = null; // the started view: { stop() }
let currentMe = null;

function renderWho() {
  const me = currentMe;
  if (!me) return;
  $('who').textContent = `${me.name || me.user || ''} (${t('role.' + me.role)})${me.station ? ' ' + me.station : ''}`;
  $('who').dataset.role = me.role;
}

function show(id) {
  for (const v of ['login-view', 'console-view', 'terminal-view']) $(v).hidden = v !== id;
}

export function toast(msg, kind) {
  const e = $('toast');
  e.textContent = msg;
  e.dataset.kind = kind || 'info';
  e.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => e.classList.remove('show'), 5000);
}

function showLogin(msg) {
  if (current) { current.stop(); current = null; }
  session.token = null;
  $('logout').hidden = true;
  $('who').textContent = '';
  delete $('who').dataset.role;
  currentMe = null;
  $('view-name').textContent = '';
  $('conn-status').dataset.state = 'off';
  $('conn-status').textContent = '';
  show('login-view');
  $('login-error').textContent = msg || '';
  $('login-user').focus();
}

async function start() {
  let me;
  try {
    me = await api('GET', '/api/v1/me');
  } catch (e) {
    showLogin(e.status === 401 ? '' : t('err.generic', { msg: e.message }));
    return;
  }
  const role = me.role;
  $('logout').hidden = false;
  currentMe = me;
  renderWho();
  if (CONSOLE_ROLES.includes(role)) {
    show('console-view');
    $('view-name').textContent = t(role === 'station' ? 'app.stationView' : 'app.console');
    const m = await import('./console.js');
    current = await m.startConsole(me, { toast });
  } else if (role === 'officer') {
    show('terminal-view');
    $('view-name').textContent = t('app.terminal');
    const m = await import('./terminal.js');
    current = await m.startTerminal(me, { toast });
  } else {
    showLogin(t('err.role', { role }));
  }
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  try {
    const r = await api('POST', '/api/v1/sessions', { user: $('login-user').value.trim(), password: $('login-password').value });
    session.token = r.token;
    $('login-password').value = '';
    await start();
  } catch (e) {
    $('login-error').textContent = e.status === 423 ? t('login.locked') : t('login.failed', { msg: e.message });
  } finally {
    $('login-submit').disabled = false;
  }
});

$('logout').addEventListener('click', async () => {
  try { await api('DELETE', '/api/v1/sessions'); } catch (_) { /* ending anyway */ }
  showLogin('');
});

$('lang-toggle').addEventListener('click', () => {
  setLang(getLang() === 'ja' ? 'en' : 'ja');
  renderWho();
  const role = $('who').dataset.role;
  if (role) {
    $('view-name').textContent = t(role === 'officer' ? 'app.terminal' : role === 'station' ? 'app.stationView' : 'app.console');
  }
});

setUnauthorizedHandler(() => showLogin(''));
applyI18n(document);
if (session.token) start(); else showLogin('');
