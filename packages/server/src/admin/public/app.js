// The admin status page: sign-in (with the first-access password change), then the box's status,
// refreshed every few seconds, and account management. Talks only to the LAN API of this server.
import { api, ApiError, session } from './api.js';
import { byId, fill, h, showError, table } from './dom.js';
import {
  formatBytes,
  formatDate,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRate,
  formatRelative,
} from './format.js';
import { preferredLanguage, setLanguage, t, tOr, translateDom } from './i18n.js';

const REFRESH_MS = 5000;
const REFRESH_SYNCING_MS = 2000;
const VIEWS = ['view-loading', 'view-signin', 'view-password', 'view-not-admin', 'view-dashboard'];

const state = {
  user: null,
  /** The password typed at sign-in, kept only until the forced change so it is not asked twice. */
  signInPassword: null,
  status: null,
  users: [],
  timer: null,
  lastError: null,
};

function show(view) {
  for (const v of VIEWS) byId(v).hidden = v !== view;
  byId('session').hidden = !state.user;
  byId('session-user').textContent = state.user
    ? `${state.user.username} · ${t(`role.${state.user.role}`)}`
    : '';
}

/** A user-facing sentence for an API failure, in the page's language. */
function errorText(e) {
  if (!(e instanceof ApiError)) return t('error.generic', { message: String(e?.message ?? e) });
  switch (e.code) {
    case 'NETWORK':
      return t('error.network');
    case 'TOO_MANY_ATTEMPTS':
      return t('error.TOO_MANY_ATTEMPTS', { seconds: e.details?.retryAfterSeconds ?? 60 });
    case 'INVALID_CREDENTIALS':
    case 'ACCOUNT_DISABLED':
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
    case 'PASSWORD_CHANGE_REQUIRED':
      return t(`error.${e.code}`);
    case 'CONFLICT':
    case 'VALIDATION_FAILED':
    case 'NOT_FOUND':
      return t(`error.${e.code}`, { message: e.message });
    default:
      return t('error.generic', { message: e.message });
  }
}

/** Any call that finds the session gone goes back to the sign-in form. */
async function call(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'UNAUTHENTICATED' && state.user) {
      signedOut(errorText(e));
    }
    throw e;
  }
}

// ——— sign-in and the forced password change ———

function signedOut(message) {
  stopRefresh();
  session.token = null;
  state.user = null;
  state.status = null;
  state.signInPassword = null;
  byId('signin-form').reset();
  showError('signin-error', message);
  show('view-signin');
  byId('signin-username').focus();
}

function route() {
  stopRefresh();
  if (!state.user) return signedOut();
  if (state.user.mustChangePassword) {
    byId('password-form').reset();
    byId('password-current-field').hidden = state.signInPassword !== null;
    showError('password-error', null);
    show('view-password');
    (state.signInPassword !== null ? byId('password-new') : byId('password-current')).focus();
    return;
  }
  state.signInPassword = null;
  if (state.user.role !== 'admin') {
    byId('not-admin-text').textContent = t('notAdmin.text', { user: state.user.username });
    return show('view-not-admin');
  }
  show('view-dashboard');
  void refresh();
  void loadUsers();
}

async function onSignIn(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) return showError('signin-error', t('signin.missing'));
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const res = await api('POST', '/api/v1/auth/login', { username, password });
    session.token = res.token;
    state.user = res.user;
    state.signInPassword = password;
    showError('signin-error', null);
    route();
  } catch (e) {
    showError('signin-error', errorText(e));
    form.password.select();
  } finally {
    button.disabled = false;
  }
}

async function onChangePassword(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const current = state.signInPassword ?? form.current.value;
  const next = form.new.value;
  if (!current) return showError('password-error', t('password.currentMissing'));
  if (next.length < 10) return showError('password-error', t('password.tooShort'));
  if (next !== form.confirm.value) return showError('password-error', t('password.mismatch'));
  if (next === current) return showError('password-error', t('password.same'));
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    state.user = await call('POST', '/api/v1/auth/password', { currentPassword: current, newPassword: next });
    route();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'INVALID_CREDENTIALS') {
      // The remembered password no longer matches: ask for it.
      state.signInPassword = null;
      byId('password-current-field').hidden = false;
    }
    showError('password-error', errorText(e));
  } finally {
    button.disabled = false;
  }
}

// ——— status ———

function stopRefresh() {
  clearTimeout(state.timer);
  state.timer = null;
}

function scheduleRefresh() {
  stopRefresh();
  const ms = state.status?.sync?.running ? REFRESH_SYNCING_MS : REFRESH_MS;
  state.timer = setTimeout(() => void refresh(), ms);
}

async function refresh() {
  try {
    state.status = await call('GET', '/api/v1/status');
    state.lastError = null;
  } catch (e) {
    if (!state.user) return;
    state.lastError = e;
  }
  if (state.user) {
    renderStatus();
    // A hidden tab does not poll; it catches up when shown again.
    if (!document.hidden) scheduleRefresh();
  }
}

function renderStatus() {
  const s = state.status;
  if (!s) return renderHealth();
  byId('box-identity').textContent = `${s.info.name} · ${s.info.dealerCode}`;
  byId('footer').textContent = t('app.footer', { version: s.info.version });
  renderHealth();
  renderProblems(s.errors);
  renderContent(s.info, s.sync);
  renderSync(s.sync);
  renderDisk(s.disk);
  renderOutbox(s.outbox);
  renderHistory(s.syncHistory);
  renderWorkstations(s.workstations);
}

function renderHealth() {
  const s = state.status;
  const el = byId('health');
  let level = 'ok';
  let title = t('health.ok');
  if (state.lastError) {
    level = 'bad';
    title = state.lastError.code === 'NETWORK' ? t('health.offline') : errorText(state.lastError);
  } else if (s?.errors.length) {
    level = s.errors.some((p) => p.kind === 'content-expired' || p.kind === 'content-missing')
      ? 'bad'
      : 'warn';
    title = t('health.problems', { count: s.errors.length });
  }
  el.dataset.level = level;
  byId('health-title').textContent = title;
  byId('health-updated').textContent = s ? t('health.updated', { time: formatDate(s.info.serverTime) }) : '';
}

function renderProblems(problems) {
  byId('problems-card').hidden = problems.length === 0;
  fill(
    'problems',
    problems.map((p) =>
      h(
        'li',
        {
          class: `problem problem-${p.kind === 'content-expired' || p.kind === 'content-missing' ? 'bad' : 'warn'}`,
        },
        h('strong', {}, t(`problem.${p.kind}`)),
        p.at ? h('span', { class: 'muted' }, ` · ${formatRelative(p.at)}`) : null,
        h('p', {}, p.message),
      ),
    ),
  );
}

/** A label/value list. */
function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(Boolean)
      .map(([k, v, cls]) =>
        h('div', { class: 'fact' }, h('dt', {}, k), h('dd', cls ? { class: cls } : {}, v)),
      ),
  );
}

function renderContent(info, sync) {
  const c = info.content;
  if (!c) return fill('content-body', h('p', { class: 'empty' }, t('content.none')));
  const expired = Date.parse(c.expiresAt) <= Date.parse(info.serverTime);
  fill(
    'content-body',
    h('p', { class: 'big' }, t('content.version', { version: c.version })),
    h('p', { class: 'lead' }, t('content.age', { age: formatRelative(c.generatedAt) })),
    facts([
      [t('content.packagesLabel'), t('content.packages', { count: c.packages })],
      [t('content.generatedLabel'), formatDate(c.generatedAt)],
      [t('content.publishedLabel'), formatDate(c.publishedAt)],
      [
        t('content.expiryLabel'),
        expired
          ? t('content.expired', { rel: formatRelative(c.expiresAt) })
          : t('content.expires', { rel: formatRelative(c.expiresAt) }),
        expired ? 'bad' : sync?.content && sync.content.secondsToExpiry < 2 * 86400 ? 'warn' : '',
      ],
    ]),
  );
}

function progressBar(ratio, label) {
  const pct = Math.round(Math.min(1, Math.max(0, ratio)) * 100);
  return h(
    'div',
    {
      class: 'bar',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': pct,
      'aria-label': label,
    },
    h('div', { class: 'bar-fill', style: `width:${pct}%` }),
  );
}

function renderSync(sync) {
  const button = byId('sync-now');
  button.disabled = !sync || sync.running;
  if (!sync) return fill('sync-body', h('p', { class: 'empty' }, t('sync.notConfigured')));
  const p = sync.progress;
  const parts = [];
  if (sync.running) {
    parts.push(
      h(
        'p',
        { class: 'state state-running' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        t(`sync.phase.${p.phase}`),
      ),
    );
    if (p.bytesTotal > 0) {
      parts.push(progressBar(p.bytesDone / p.bytesTotal, t('sync.title')));
      parts.push(
        facts([
          [
            t('sync.filesLabel'),
            t('sync.files', { done: formatNumber(p.filesDone), total: formatNumber(p.filesTotal) }),
          ],
          [
            t('sync.bytesLabel'),
            t('sync.bytes', { done: formatBytes(p.bytesDone), total: formatBytes(p.bytesTotal) }),
          ],
          [t('sync.rateLabel'), p.rateBytesPerSecond ? formatRate(p.rateBytesPerSecond) : '—'],
          [t('sync.etaLabel'), p.etaSeconds !== null ? formatDuration(p.etaSeconds) : t('sync.estimating')],
        ]),
      );
    }
  } else {
    parts.push(h('p', { class: 'state' }, t('sync.idle')));
  }
  parts.push(
    facts([
      [
        t('sync.lastSuccessLabel'),
        sync.lastSuccessAt ? formatRelative(sync.lastSuccessAt) : t('sync.never'),
        sync.lastSuccessAt ? '' : 'warn',
      ],
      sync.schedule?.nextRunAt ? [t('sync.nextLabel'), formatDate(sync.schedule.nextRunAt)] : null,
      sync.bandwidthLimitBytesPerSecond
        ? [t('sync.bandwidthLabel'), formatRate(sync.bandwidthLimitBytesPerSecond)]
        : null,
    ]),
  );
  fill('sync-body', parts);
}

function renderDisk(d) {
  const used = d.totalBytes - d.freeBytes;
  const ratio = d.totalBytes ? used / d.totalBytes : 0;
  const low = d.totalBytes && d.freeBytes / d.totalBytes < 0.1;
  fill(
    'disk-body',
    h(
      'p',
      { class: 'lead' },
      t('disk.free', { free: formatBytes(d.freeBytes), total: formatBytes(d.totalBytes) }),
    ),
    h(
      'div',
      {
        class: `bar bar-disk${low ? ' bar-bad' : ''}`,
        role: 'meter',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': Math.round(ratio * 100),
        'aria-label': t('disk.used', { percent: formatPercent(ratio) }),
      },
      h('div', { class: 'bar-fill', style: `width:${Math.round(ratio * 100)}%` }),
    ),
    facts([
      [t('disk.usedLabel'), formatPercent(ratio)],
      [t('disk.storeLabel'), formatBytes(d.storeBytes)],
      [t('disk.pathLabel'), h('code', {}, d.path)],
    ]),
  );
}

function renderOutbox(o) {
  fill(
    'outbox-body',
    h(
      'p',
      { class: 'big' },
      formatNumber(o.pending),
      h('span', { class: 'big-unit' }, t('outbox.pending', { count: o.pending })),
    ),
    facts([
      [t('outbox.sentLabel'), formatNumber(o.sent)],
      o.oldest ? [t('outbox.oldestLabel'), formatRelative(o.oldest), 'warn'] : null,
      o.pending && o.lastError ? [t('outbox.lastErrorLabel'), o.lastError, 'bad'] : null,
    ]),
    o.pending === 0 ? h('p', { class: 'ok-text' }, t('outbox.allSent')) : null,
  );
}

function runResult(run) {
  return h('span', { class: `pill pill-${run.status}` }, t(`runStatus.${run.status}`));
}

function renderHistory(runs) {
  if (!runs.length) return fill('history-body', h('p', { class: 'empty' }, t('history.empty')));
  fill(
    'history-body',
    table(
      [
        t('history.started'),
        t('history.trigger'),
        t('history.result'),
        t('history.version'),
        t('history.duration'),
        t('history.downloaded'),
        t('history.message'),
      ],
      runs.map((r) => [
        formatDate(r.startedAt),
        tOr(`trigger.${r.trigger}`, r.trigger),
        runResult(r),
        r.snapshotVersion ?? '—',
        r.finishedAt ? formatDuration((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000) : '—',
        formatBytes(r.bytesDownloaded),
        r.errorMessage ? h('span', { class: 'bad' }, r.errorMessage) : '',
      ]),
      t('history.title'),
    ),
  );
}

function renderWorkstations(list) {
  if (!list.length) return fill('workstations-body', h('p', { class: 'empty' }, t('workstations.empty')));
  fill(
    'workstations-body',
    table(
      [t('workstations.name'), t('workstations.address'), t('workstations.user'), t('workstations.lastSeen')],
      list.map((w) => [
        w.workstation ?? h('span', { class: 'muted' }, t('workstations.unnamed')),
        w.address ?? '—',
        w.username,
        h('time', { datetime: w.lastSeenAt, title: formatDate(w.lastSeenAt) }, formatRelative(w.lastSeenAt)),
      ]),
      t('workstations.title'),
    ),
  );
}

async function onSyncNow() {
  const button = byId('sync-now');
  button.disabled = true;
  showError('sync-error', null);
  try {
    const sync = await call('POST', '/api/v1/sync');
    if (state.status) state.status.sync = sync;
    renderSync(sync);
  } catch (e) {
    showError('sync-error', errorText(e));
  }
  scheduleRefresh();
}

// ——— accounts ———

async function loadUsers() {
  try {
    state.users = await call('GET', '/api/v1/users');
    showError('users-error', null);
  } catch (e) {
    if (!state.user) return;
    showError('users-error', errorText(e));
  }
  renderUsers();
}

function renderUsers() {
  const me = state.user?.username;
  fill(
    'users-body',
    table(
      [
        t('users.username'),
        t('users.role'),
        t('users.state'),
        t('users.created'),
        h('span', { class: 'visually-hidden' }, t('users.actions')),
      ],
      state.users.map((u) => {
        const self = u.username.toLowerCase() === me?.toLowerCase();
        return [
          h('span', {}, u.username, self ? h('span', { class: 'muted' }, ` (${t('users.you')})`) : null),
          t(`role.${u.role}`),
          h(
            'span',
            {},
            h(
              'span',
              { class: `pill ${u.disabled ? 'pill-failed' : 'pill-ok'}` },
              u.disabled ? t('users.disabled') : t('users.enabled'),
            ),
            u.mustChangePassword && !u.disabled
              ? h('span', { class: 'pill pill-running' }, t('users.mustChange'))
              : null,
          ),
          formatDate(u.createdAt),
          h(
            'span',
            { class: 'row-actions' },
            self
              ? null
              : h(
                  'button',
                  {
                    type: 'button',
                    class: 'btn btn-small',
                    'aria-label': `${u.disabled ? t('users.enable') : t('users.disable')} ${u.username}`,
                    onclick: () => void toggleUser(u),
                  },
                  u.disabled ? t('users.enable') : t('users.disable'),
                ),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small',
                'aria-label': `${t('users.reset')} ${u.username}`,
                onclick: () => void resetUser(u),
              },
              t('users.reset'),
            ),
          ),
        ];
      }),
      t('users.title'),
    ),
  );
}

function showOneTime(username, password) {
  byId('one-time-title').textContent = t('users.oneTime.title', { user: username });
  byId('one-time-text').textContent = t('users.oneTime.text', { user: username });
  byId('one-time-password').textContent = password;
  byId('one-time-copy').textContent = t('users.oneTime.copy');
  byId('one-time').hidden = false;
  byId('one-time-copy').focus();
}

function hideOneTime() {
  byId('one-time-password').textContent = '';
  byId('one-time').hidden = true;
}

async function onCreateUser(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const username = form.username.value.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/.test(username)) {
    showError('users-error', t('users.create.invalid'));
    return form.username.focus();
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const res = await call('POST', '/api/v1/users', { username, role: form.role.value });
    form.reset();
    showError('users-error', null);
    await loadUsers();
    showOneTime(res.user.username, res.temporaryPassword);
  } catch (e) {
    showError('users-error', errorText(e));
  } finally {
    button.disabled = false;
  }
}

async function toggleUser(u) {
  if (!u.disabled && !confirm(t('users.confirmDisable', { user: u.username }))) return;
  try {
    await call('PATCH', `/api/v1/users/${encodeURIComponent(u.username)}`, { disabled: !u.disabled });
    showError('users-error', null);
  } catch (e) {
    showError('users-error', errorText(e));
  }
  await loadUsers();
}

async function resetUser(u) {
  if (!confirm(t('users.confirmReset', { user: u.username }))) return;
  try {
    const res = await call('POST', `/api/v1/users/${encodeURIComponent(u.username)}/reset-password`);
    showError('users-error', null);
    await loadUsers();
    showOneTime(res.user.username, res.temporaryPassword);
  } catch (e) {
    showError('users-error', errorText(e));
  }
}

async function copyOneTime() {
  try {
    await navigator.clipboard.writeText(byId('one-time-password').textContent);
    byId('one-time-copy').textContent = t('users.oneTime.copied');
  } catch {
    // No clipboard without HTTPS on some browsers: select the text so Ctrl+C works.
    getSelection().selectAllChildren(byId('one-time-password'));
  }
}

// ——— start ———

async function changeLanguage(lang) {
  await setLanguage(lang);
  byId('lang-select').value = lang;
  translateDom();
  if (state.user && !byId('view-not-admin').hidden)
    byId('not-admin-text').textContent = t('notAdmin.text', { user: state.user.username });
  show(VIEWS.find((v) => !byId(v).hidden) ?? 'view-loading');
  if (state.status) renderStatus();
  if (state.users.length) renderUsers();
}

async function start() {
  await changeLanguage(preferredLanguage());
  byId('lang-select').addEventListener('change', (ev) => void changeLanguage(ev.target.value));
  byId('signin-form').addEventListener('submit', (ev) => void onSignIn(ev));
  byId('password-form').addEventListener('submit', (ev) => void onChangePassword(ev));
  byId('password-form').addEventListener('input', () => showError('password-error', null));
  byId('create-user-form').addEventListener('submit', (ev) => void onCreateUser(ev));
  byId('sync-now').addEventListener('click', () => void onSyncNow());
  byId('one-time-copy').addEventListener('click', () => void copyOneTime());
  byId('one-time-dismiss').addEventListener('click', hideOneTime);
  byId('signout').addEventListener('click', async () => {
    await api('POST', '/api/v1/auth/logout').catch(() => undefined);
    hideOneTime();
    signedOut();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.user && !byId('view-dashboard').hidden) void refresh();
  });
  // Which box this is, before signing in (the info route is public).
  api('GET', '/api/v1/info').then(
    (info) => (byId('box-identity').textContent = `${info.name} · ${info.dealerCode}`),
    () => undefined,
  );
  if (!session.token) return signedOut();
  try {
    state.user = await api('GET', '/api/v1/auth/me');
  } catch {
    return signedOut();
  }
  route();
}

void start();
