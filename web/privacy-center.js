/* Privacy center: a signed-in user's consents, consent history and receipts, profile, data export and account
 * deletion. Plain ES2020, no dependencies, nothing loaded from third parties.
 *
 * Configuration: window.PRIVACY_CENTER_CONFIG from config.js = {apiUrl, cognitoDomain, clientId, redirectUri}.
 * Sign-in:
 *   - with a cognitoDomain: the Cognito hosted UI, authorization code flow with PKCE (or the implicit flow with
 *     responseType: "token"); the user comes back to redirectUri with ?code= (or #access_token=).
 *   - with no cognitoDomain: the local sign-in form is shown, which calls POST /_local/login {"username"}
 *     (only the local cloud has that route; it returns real Cognito tokens of the local user pool).
 * The access token is kept in sessionStorage (gone when the tab closes) and sent as `Authorization: Bearer` on
 * every API call.
 */
(() => {
  'use strict';

  const config = window.PRIVACY_CENTER_CONFIG || {};
  const API = (config.apiUrl || '').replace(/\/+$/, '');
  const COGNITO = config.cognitoDomain
    ? (/^https?:\/\//.test(config.cognitoDomain) ? config.cognitoDomain : `https://${config.cognitoDomain}`).replace(/\/+$/, '')
    : '';
  const REDIRECT = config.redirectUri || location.origin + location.pathname;
  const POLL_MS = config.pollMs || 2000;
  const TOKEN_KEY = 'privacy_center_token';
  const SESSION_ENDED = 'Your session has ended. Please sign in again.';
  const GPC = navigator.globalPrivacyControl === true;
  const FIELDS = ['email', 'given_name', 'family_name', 'country', 'birth_date'];
  const SOURCES = {
    banner: 'Cookie banner',
    settings: 'Privacy center',
    api: 'Application',
    gpc: 'Global Privacy Control',
    unsubscribe: 'Unsubscribe link',
    claim: 'Cookie banner (before sign-in)',
    parent: 'Parent or guardian',
  };
  const CATEGORIES = { cookie: 'Cookies and similar technology', processing: 'Other uses of your data' };

  const $ = (id) => document.getElementById(id);
  let catalog = null;
  let consents = {};
  let historyCursor = null;
  let profile = null;
  let pollTimer = null;
  let exportId = null;
  let receiptOpener = null;

  // ---------------------------------------------------------------- small helpers
  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value == null) continue;
      if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value === true ? '' : value);
    }
    node.append(...kids.filter((kid) => kid != null && kid !== false));
    return node;
  }

  const when = (iso, style = { dateStyle: 'medium', timeStyle: 'short' }) =>
    iso ? new Intl.DateTimeFormat(undefined, style).format(new Date(iso)) : '';
  const timeEl = (iso, style) => el('time', { datetime: iso, text: when(iso, style) });
  const titleOf = (id) => (catalog && catalog.purposes.find((p) => p.id === id)?.title) || id;

  function say(message) {
    // Cleared first so that the same message twice is announced twice.
    $('status').textContent = '';
    $('alert').textContent = '';
    requestAnimationFrame(() => ($('status').textContent = message));
  }

  function complain(message) {
    $('alert').textContent = message;
  }

  function report(error) {
    if (error && error.handled) return;
    console.error(error);
    complain(error && error.message ? error.message : 'Something went wrong. Please try again.');
  }

  function show(panel) {
    for (const id of ['signin', 'active', 'pending', 'purged']) $(id).hidden = id !== panel;
    $('who').hidden = panel === 'signin';
  }

  // ---------------------------------------------------------------- the token and the API
  function token() {
    const value = sessionStorage.getItem(TOKEN_KEY);
    if (!value) return null;
    const claims = claimsOf(value);
    if (claims && claims.exp && claims.exp * 1000 < Date.now()) {
      sessionStorage.removeItem(TOKEN_KEY);
      return null;
    }
    return value;
  }

  function claimsOf(jwt) {
    try {
      const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(decodeURIComponent(escape(atob(part))));
    } catch {
      return null;
    }
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `The server answered ${status}.`);
      this.status = status;
      this.body = body || {};
    }
  }

  // Bumped whenever the account's state changes here: a 410 answering a request sent before a restore is old news.
  let stateGeneration = 0;

  function sessionEnded() {
    const error = new ApiError(401, { message: SESSION_ENDED });
    error.handled = true;
    if (!$('signin').hidden) return error; // already told
    signOut(SESSION_ENDED);
    $('signin-title').focus();
    return error;
  }

  async function api(method, path, body) {
    const sentAt = stateGeneration;
    const headers = { Accept: 'application/json' };
    const bearer = token();
    // Every /me route needs the user's token: without one (it expired, or another tab signed out) the session has
    // ended, and the request is not sent to be refused.
    if (!bearer && path.startsWith('/me')) throw sessionEnded();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const answer = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (answer.ok) return data;
    const error = new ApiError(answer.status, data);
    if (answer.status === 401) {
      // The API no longer accepts the token (expired early, revoked, signed out elsewhere).
      throw sessionEnded();
    } else if (answer.status === 410 && path.startsWith('/me')) {
      // The account is pending deletion (or purged): every /me route but a few answers 410 Gone.
      error.handled = true;
      if (sentAt === stateGeneration) onGone(data);
    }
    throw error;
  }

  // ---------------------------------------------------------------- sign-in and sign-out
  function randomString(bytes) {
    return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
  }

  function base64url(bytes) {
    return btoa(String.fromCharCode(...new Uint8Array(bytes)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  }

  async function hostedSignIn() {
    const state = randomString(16);
    sessionStorage.setItem('privacy_center_state', state);
    const params = {
      response_type: config.responseType === 'token' ? 'token' : 'code',
      client_id: config.clientId,
      redirect_uri: REDIRECT,
      scope: config.scope || 'openid email profile',
      state,
    };
    if (params.response_type === 'code') {
      const verifier = randomString(48);
      sessionStorage.setItem('privacy_center_verifier', verifier);
      params.code_challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
      params.code_challenge_method = 'S256';
    }
    location.assign(`${COGNITO}/oauth2/authorize?${new URLSearchParams(params)}`);
  }

  async function handleRedirect() {
    if (!COGNITO) return;
    const fragment = new URLSearchParams(location.hash.slice(1));
    const query = new URLSearchParams(location.search);
    const returned = fragment.get('state') || query.get('state');
    if (!fragment.get('access_token') && !query.get('code') && !query.get('error')) return;
    history.replaceState(null, '', location.pathname);
    const expected = sessionStorage.getItem('privacy_center_state');
    sessionStorage.removeItem('privacy_center_state');
    if (query.get('error')) return complain(`Sign-in failed: ${query.get('error_description') || query.get('error')}`);
    if (!expected || returned !== expected) return complain('Sign-in failed: the answer did not match the request.');
    if (fragment.get('access_token')) {
      sessionStorage.setItem(TOKEN_KEY, fragment.get('access_token'));
      return;
    }
    const answer = await fetch(`${COGNITO}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: config.clientId,
        code: query.get('code'),
        redirect_uri: REDIRECT,
        code_verifier: sessionStorage.getItem('privacy_center_verifier') || '',
      }),
    });
    sessionStorage.removeItem('privacy_center_verifier');
    if (!answer.ok) return complain('Sign-in failed: the sign-in service refused the code.');
    sessionStorage.setItem(TOKEN_KEY, (await answer.json()).access_token);
  }

  async function localSignIn(event) {
    event.preventDefault();
    const username = $('username').value.trim();
    if (!username) return complain('Enter a username.');
    try {
      const answer = await fetch(`${API}/_local/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username }),
      });
      const data = await answer.json().catch(() => ({}));
      if (!answer.ok || !data.access_token) throw new Error(data.message || 'Sign-in failed.');
      sessionStorage.setItem(TOKEN_KEY, data.access_token);
      say('Signed in.');
      await start();
    } catch (error) {
      report(error);
    }
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    clearTimeout(pollTimer);
    exportId = null; // an answer still on its way must not restart the polling
    stateGeneration += 1;
    if (COGNITO && !message) {
      const params = new URLSearchParams({ client_id: config.clientId, logout_uri: REDIRECT });
      location.assign(`${COGNITO}/logout?${params}`);
      return;
    }
    showSignIn();
    if (message) complain(message);
    else say('Signed out.');
  }

  function showSignIn() {
    show('signin');
    $('local-login').hidden = !!COGNITO;
    $('hosted-login').hidden = !COGNITO;
  }

  // ---------------------------------------------------------------- which panel: active, pending deletion, purged
  async function start() {
    if (!sessionStorage.getItem(TOKEN_KEY)) return showSignIn();
    if (!token()) return sessionEnded();
    const claims = claimsOf(token()) || {};
    $('who-name').textContent = claims.email ? `Signed in as ${claims.email}` : 'Signed in';
    let status = { state: 'active' };
    try {
      status = await api('GET', '/me/status');
    } catch (error) {
      if (error.handled) return;
      // 404/405: a deployment without the status route; a 410 from any /me route still shows the pending panel.
      if (error.status !== 404 && error.status !== 405) return report(error);
    }
    showState(status);
  }

  function showState(status) {
    stateGeneration += 1;
    if (status.state === 'pending_deletion') return showPending(status);
    if (status.state === 'purged') {
      show('purged');
      return $('purged-title').focus();
    }
    show('active');
    return Promise.allSettled([loadConsents(), loadHistory(true), loadProfile(), resumeExport()]).then((results) =>
      results.filter((r) => r.status === 'rejected').forEach((r) => report(r.reason)),
    );
  }

  function onGone(data) {
    // 410 body: {"error", "message", "details": [{"state", "purge_at"}]}
    const detail = (data && Array.isArray(data.details) && data.details.find((d) => d && d.state)) || {};
    if (detail.state === 'purged') return showState({ state: 'purged' });
    if ($('pending').hidden) showPending({ purge_at: detail.purge_at });
  }

  async function showPending(data) {
    clearTimeout(pollTimer);
    show('pending');
    $('pending-title').focus();
    let purgeAt = data && (data.purge_at || data.restore_until);
    if (!purgeAt) {
      try {
        purgeAt = (await api('GET', '/me/status')).purge_at;
      } catch {
        purgeAt = null;
      }
    }
    const time = $('purge-at');
    if (purgeAt) {
      time.dateTime = purgeAt;
      time.textContent = when(purgeAt, { dateStyle: 'long' });
    }
  }

  // ---------------------------------------------------------------- consents
  async function loadConsents() {
    const [purposes, mine] = await Promise.all([catalog || api('GET', '/consent/purposes'), api('GET', '/me/consents')]);
    catalog = purposes;
    consents = mine.consents || {};
    const groups = {};
    for (const p of catalog.purposes) {
      const category = p.category || 'other';
      groups[category] ||= el('fieldset', { class: 'group' }, el('legend', { text: CATEGORIES[category] || category }));
      const c = consents[p.id] || {};
      const id = `consent-${p.id}`;
      let state;
      if (p.required) state = 'Always on: the service cannot work without it.';
      else if (!c.decided) state = 'Not decided yet: off until you allow it.';
      else if (c.stale) state = 'Please confirm again: the wording changed or you chose a long time ago.';
      else state = `${c.granted ? 'Allowed' : 'Refused'} on ${when(c.at)} (${SOURCES[c.source] || c.source}).`;
      const gpcNote =
        GPC && p.gpc_opt_out && !p.required
          ? "Your browser's Global Privacy Control signal asks us not to do this; ticking the box overrides it for your account."
          : null;
      groups[category].append(
        el(
          'div',
          { class: c.stale ? 'purpose stale' : 'purpose' },
          el('input', {
            type: 'checkbox',
            id,
            name: p.id,
            checked: p.required || (c.decided && c.granted),
            disabled: p.required,
            'aria-describedby': `${id}-state ${id}-desc${gpcNote ? ` ${id}-gpc` : ''}`,
          }),
          el('label', { for: id, text: p.title }),
          el('p', { id: `${id}-state`, class: 'purpose-state', text: state }),
          el('p', { id: `${id}-desc`, class: 'purpose-desc', text: p.description }),
          gpcNote && el('p', { id: `${id}-gpc`, class: 'purpose-gpc', text: gpcNote }),
        ),
      );
    }
    $('consent-list').replaceChildren(...Object.values(groups));
  }

  async function saveConsents(event) {
    event.preventDefault();
    const decisions = {};
    for (const p of catalog ? catalog.purposes : []) {
      if (p.required) continue;
      const wanted = $(`consent-${p.id}`).checked;
      const c = consents[p.id] || {};
      // Only what changed, plus stale choices the user has now seen again: each is recorded as a new event.
      if (!c.decided || c.stale || wanted !== c.granted) {
        if (c.decided || wanted) decisions[p.id] = wanted;
      }
    }
    if (!Object.keys(decisions).length) return say('Nothing to save: no choice changed.');
    const body = { decisions, source: 'settings' };
    const overridesGpc = catalog.purposes.some((p) => GPC && p.gpc_opt_out && decisions[p.id] === true);
    if (overridesGpc) body.gpc_conflict_acknowledged = true; // an explicit choice the user made after our notice
    try {
      const receipt = await api('PUT', '/me/consents', body);
      await Promise.all([loadConsents(), loadHistory(true)]);
      say(`Your consents are saved. Receipt ${receipt.receipt_id}.`);
    } catch (error) {
      report(error);
    }
  }

  // ---------------------------------------------------------------- history and receipts
  async function loadHistory(reset) {
    const params = new URLSearchParams({ limit: '20' });
    if (!reset && historyCursor) params.set('cursor', historyCursor);
    const page = await api('GET', `/me/consents/history?${params}`);
    if (!catalog) catalog = await api('GET', '/consent/purposes');
    const rows = page.items.map((item) =>
      el(
        'tr',
        {},
        el('td', {}, timeEl(item.at)),
        el('td', { text: titleOf(item.purpose) }),
        el('td', { text: item.decision ? 'Allowed' : 'Refused' }),
        el('td', { text: item.previous == null ? '—' : item.previous ? 'Allowed' : 'Refused' }),
        el('td', { text: SOURCES[item.source] || item.source }),
        el(
          'td',
          {},
          el(
            'button',
            { type: 'button', class: 'secondary small', 'data-receipt': item.receipt_id },
            'View receipt',
            el('span', { class: 'visually-hidden', text: ` for ${titleOf(item.purpose)}, ${when(item.at)}` }),
          ),
        ),
      ),
    );
    if (reset) $('history-rows').replaceChildren(...rows);
    else $('history-rows').append(...rows);
    historyCursor = page.next;
    $('history-more').hidden = !page.next;
    $('history-empty').hidden = $('history-rows').children.length > 0;
    $('history-table').hidden = !$('history-empty').hidden;
  }

  async function openReceipt(button) {
    const id = button.dataset.receipt;
    try {
      const receipt = await api('GET', `/me/consents/receipts/${encodeURIComponent(id)}`);
      const rows = [
        ['Receipt', receipt.receipt_id],
        ['Issued', when(receipt.timestamp)],
        ['Privacy policy version', receipt.policy_version],
        ['Collected through', SOURCES[receipt.collection_method] || receipt.collection_method],
        ['Jurisdiction', receipt.jurisdiction ? receipt.jurisdiction + (receipt.jurisdiction_source === 'client_claim' ? ' (as your browser reported it)' : '') : 'Not known'],
        ['Global Privacy Control signal', receipt.gpc_signal ? 'Present' : 'Absent'],
        ['Subject reference', receipt.subject],
      ];
      $('receipt-meta').replaceChildren(...rows.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })]));
      $('receipt-purposes')
        .querySelector('tbody')
        .replaceChildren(
          ...receipt.purposes.map((p) =>
            el(
              'tr',
              {},
              el('td', { text: p.title }),
              el('td', { text: p.decision ? 'Allowed' : 'Refused' }),
              el('td', { text: p.legal_basis }),
              el('td', { text: SOURCES[p.source] || p.source }),
            ),
          ),
        );
      const link = $('receipt-save');
      if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(new Blob([JSON.stringify(receipt, null, 2)], { type: 'application/json' }));
      link.download = `consent-receipt-${receipt.receipt_id}.json`;
      receiptOpener = button;
      $('receipt').hidden = false;
      $('receipt').focus();
    } catch (error) {
      report(error);
    }
  }

  function closeReceipt() {
    $('receipt').hidden = true;
    if (receiptOpener && receiptOpener.isConnected) receiptOpener.focus();
    receiptOpener = null;
  }

  // ---------------------------------------------------------------- profile
  async function loadProfile() {
    profile = await api('GET', '/me');
    for (const field of FIELDS) $(`profile-${field}`).value = profile[field] || '';
    if (profile.email) $('who-name').textContent = `Signed in as ${profile.email}`;
  }

  function clearProfileErrors() {
    $('profile-errors').hidden = true;
    $('profile-errors').replaceChildren();
    for (const field of FIELDS) {
      $(`profile-${field}-error`).textContent = '';
      $(`profile-${field}`).removeAttribute('aria-invalid');
    }
  }

  async function saveProfile(event) {
    event.preventDefault();
    clearProfileErrors();
    const patch = {};
    for (const field of FIELDS) {
      let value = $(`profile-${field}`).value.trim();
      if (field === 'country') value = value.toUpperCase();
      if (value !== (profile[field] || '')) patch[field] = value || null;
    }
    if (!Object.keys(patch).length) return say('Nothing to save: your profile did not change.');
    try {
      profile = await api('PATCH', '/me', patch);
      for (const field of FIELDS) $(`profile-${field}`).value = profile[field] || '';
      say('Your profile is saved.');
    } catch (error) {
      if (error.handled) return;
      showProfileErrors(error);
    }
  }

  function showProfileErrors(error) {
    const details = Array.isArray(error.body.details) ? error.body.details : [];
    const items = [];
    for (const detail of details) {
      const problem = String(detail.problem || 'is not valid').replace(/^Value error, /, '');
      const field = FIELDS.includes(detail.field) ? detail.field : null;
      if (field) {
        $(`profile-${field}-error`).textContent = problem;
        $(`profile-${field}`).setAttribute('aria-invalid', 'true');
      }
      const label = field ? document.querySelector(`label[for="profile-${field}"]`).textContent : detail.field || '';
      const text = label ? `${label}: ${problem}` : problem;
      items.push(el('li', {}, field ? el('a', { href: `#profile-${field}`, text }) : text));
    }
    $('profile-errors').replaceChildren(
      el('p', { text: error.message || 'Your profile could not be saved.' }),
      items.length ? el('ul', {}, ...items) : null,
    );
    $('profile-errors').hidden = false;
    $('profile-errors').focus();
  }

  // ---------------------------------------------------------------- export (right of access / portability)
  const OPEN = ['received', 'in_progress'];

  function renderRequest(request) {
    let value = 10;
    let text;
    switch (request.status) {
      case 'received':
        text = 'Received: your request is waiting to start.';
        break;
      case 'in_progress':
        value = request.export_ready ? 80 : 40;
        text = request.export_ready
          ? 'Your file is ready; waiting for the other systems that hold your data to finish.'
          : 'In progress: we are gathering your data.';
        break;
      case 'completed':
        value = 100;
        text = request.export_ready ? 'Completed: your data is ready to download.' : 'Completed.';
        break;
      case 'failed':
        text = 'We could not prepare your file. Please request a new copy; if it fails again, contact us.';
        break;
      case 'rejected':
        text = 'Your request was rejected. We have written to you with the reason.';
        break;
      default:
        text = 'Your file has expired. Request a new copy if you still need one.';
    }
    $('export-progress').hidden = false;
    $('export-bar').value = value;
    $('export-bar').textContent = `${value}%`;
    $('export-status').textContent = text;
    $('export-start').disabled = OPEN.includes(request.status);
  }

  async function track(request) {
    clearTimeout(pollTimer);
    exportId = request.request_id;
    $('export-ready').hidden = true;
    renderRequest(request);
    if (OPEN.includes(request.status)) {
      pollTimer = setTimeout(poll, POLL_MS);
    } else if (request.status === 'completed' && request.export_ready) {
      await offerDownload();
    }
  }

  async function poll() {
    const id = exportId;
    try {
      const request = await api('GET', `/me/requests/${id}`);
      if (id === exportId) await track(request);
    } catch (error) {
      if (error.handled) return;
      $('export-status').textContent = 'We could not check your request just now; trying again.';
      pollTimer = setTimeout(poll, POLL_MS * 3);
    }
  }

  async function offerDownload() {
    const link = await api('GET', `/me/requests/${exportId}/download`);
    const anchor = $('export-link');
    anchor.href = link.url;
    anchor.dataset.expiresAt = link.expires_at;
    $('export-expiry').textContent = `This link works until ${when(link.expires_at, { timeStyle: 'short' })}.`;
    $('export-ready').hidden = false;
    $('export-start').disabled = false;
  }

  async function refreshExpiredLink(event) {
    // The download link is short-lived: past its expiry, fetch a fresh one instead of following a dead link.
    const anchor = event.currentTarget;
    if (!anchor.dataset.expiresAt || new Date(anchor.dataset.expiresAt) > new Date()) return;
    event.preventDefault();
    try {
      await offerDownload();
      location.assign(anchor.href);
    } catch (error) {
      report(error);
    }
  }

  async function startExport() {
    $('export-start').disabled = true;
    try {
      const request = await api('POST', '/me/requests', { type: 'access', format: $('export-format').value });
      say('Your request is received. You can stay on this page or come back later.');
      await track(request);
    } catch (error) {
      $('export-start').disabled = false;
      report(error);
    }
  }

  async function resumeExport() {
    const { items } = await api('GET', '/me/requests');
    const latest = items
      .filter((r) => r.type === 'access' || r.type === 'portability')
      .sort((a, b) => b.received_at.localeCompare(a.received_at))[0];
    if (latest && (OPEN.includes(latest.status) || (latest.status === 'completed' && latest.export_ready))) {
      await track(latest);
    }
  }

  // ---------------------------------------------------------------- deletion and restore
  async function deleteAccount() {
    try {
      const answer = await api('DELETE', '/me');
      await showPending(answer);
      say('Your account is scheduled for deletion. You can restore it until the date shown.');
    } catch (error) {
      if (error.status === 404 || error.status === 405) {
        complain('Deleting an account is not available on this server yet. Nothing was changed.');
      } else {
        report(error);
      }
    }
  }

  async function restoreAccount() {
    try {
      const status = await api('POST', '/me/restore');
      await showState(status && status.state ? status : { state: 'active' });
      say('Your account is restored.');
      $('consents-title').focus();
    } catch (error) {
      report(error);
    }
  }

  // ---------------------------------------------------------------- wiring
  function wire() {
    $('local-login').addEventListener('submit', localSignIn);
    $('hosted-login').addEventListener('click', () => hostedSignIn().catch(report));
    $('sign-out').addEventListener('click', () => signOut());
    $('consent-form').addEventListener('submit', saveConsents);
    $('history-more').addEventListener('click', () => loadHistory(false).catch(report));
    $('history-rows').addEventListener('click', (event) => {
      const button = event.target.closest('button[data-receipt]');
      if (button) openReceipt(button);
    });
    $('receipt-close').addEventListener('click', closeReceipt);
    $('receipt').addEventListener('keydown', (event) => event.key === 'Escape' && closeReceipt());
    $('profile-form').addEventListener('submit', saveProfile);
    $('export-start').addEventListener('click', startExport);
    $('export-link').addEventListener('click', refreshExpiredLink);
    $('delete-start').addEventListener('click', () => {
      $('delete-confirm').hidden = false;
      $('delete-start').hidden = true;
      $('delete-cancel').focus();
    });
    $('delete-cancel').addEventListener('click', () => {
      $('delete-confirm').hidden = true;
      $('delete-start').hidden = false;
      $('delete-start').focus();
    });
    $('delete-yes').addEventListener('click', () => {
      $('delete-confirm').hidden = true;
      $('delete-start').hidden = false;
      deleteAccount();
    });
    $('restore').addEventListener('click', restoreAccount);
  }

  async function boot() {
    wire();
    try {
      await handleRedirect();
    } catch (error) {
      report(error);
    }
    await start();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
  else boot();
})();
