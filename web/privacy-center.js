/* Privacy center: a signed-in user's consents, consent history and receipts, profile, data export, restriction,
 * objection, recipients and account deletion. Plain ES2020, no dependencies, nothing loaded from third parties.
 *
 * Configuration: window.PRIVACY_CENTER_CONFIG from config.js = {apiUrl, cognitoDomain, clientId, redirectUri}.
 * Sign-in:
 *   - with a cognitoDomain: the Cognito hosted UI, authorization code flow with PKCE (or the implicit flow with
 *     responseType: "token"); the user comes back to redirectUri with ?code= (or #access_token=).
 *   - with no cognitoDomain: the local sign-in form is shown, which calls POST /_local/login {"username"}
 *     (only the local cloud has that route; it returns real Cognito tokens of the local user pool).
 * The access token is kept in sessionStorage (gone when the tab closes) and sent as `Authorization: Bearer` on
 * every API call.
 * Languages: en, ro, de, fr, es, it. The page's words are in i18n/<part>/<lang>.json, each part fetched when the
 * page first shows it (the sign-in view needs only `center`; `restriction` and `objection` once signed in; `parent`
 * only for a parent; `policy` only once the policy or the recipients section is opened); the language switch is
 * remembered in localStorage. Purpose texts come from the API in the language it answers (Content-Language).
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
  const GPC = navigator.globalPrivacyControl === true;
  const FIELDS = ['email', 'given_name', 'family_name', 'country', 'birth_date'];
  const LANGS = ['en', 'ro', 'de', 'fr', 'es', 'it'];
  const LANG_KEY = 'privacy_center_lang';

  const $ = (id) => document.getElementById(id);
  const supported = (tag) => LANGS.find((l) => l === String(tag || '').toLowerCase().split('-')[0]);
  let lang = supported(localStorage.getItem(LANG_KEY)) || (navigator.languages || []).map(supported).find(Boolean) || 'en';
  const words = {}; // part -> {key: text} in `lang`
  const parts = new Set(['center']); // the parts the page has shown, fetched again on a change of language
  let catalogLang = null; // the language the API answered the catalog in
  let catalog = null;
  let consents = {};
  let historyCursor = null;
  let profile = null;
  let pollTimer = null;
  let exportId = null;
  let receiptOpener = null;
  let standing = { state: 'active', objections: [] }; // the last GET /me/status of an active or restricted account

  // ---------------------------------------------------------------- words
  async function wordsOf(part, tag) {
    const answer = await fetch(`i18n/${part}/${tag}.json`);
    if (!answer.ok) throw new Error(`i18n/${part}/${tag}.json: ${answer.status}`);
    return answer.json();
  }

  // Fetches the parts not yet held in the current language (English when a file cannot be had).
  async function need(...wanted) {
    for (const part of wanted) parts.add(part);
    const tag = lang;
    await Promise.all(
      [...parts].filter((part) => !(words[part] && words[part].lang === tag)).map(async (part) => {
        const found = await wordsOf(part, tag).catch(() => wordsOf(part, 'en'));
        if (tag === lang) words[part] = { ...found, lang: tag };
      }),
    );
    translate();
  }

  function t(key, vars) {
    let text = key;
    for (const part of Object.values(words)) if (key in part) text = part[key];
    return text.replace(/\{(\w+)\}/g, (_, name) => (vars && name in vars ? vars[name] : `{${name}}`));
  }

  const known = (key) => Object.values(words).some((part) => key in part);

  function translate() {
    document.documentElement.lang = lang;
    if (known('title')) document.title = t('title');
    for (const node of document.querySelectorAll('[data-i18n]')) {
      if (known(node.dataset.i18n)) node.textContent = t(node.dataset.i18n);
    }
    for (const node of document.querySelectorAll('[data-i18n-label]')) {
      if (known(node.dataset.i18nLabel)) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
    }
    if (known('pendingText')) {
      // "... deleted on {date}.": the date stays the <time> element the page fills in
      const [before, after = ''] = t('pendingText').split('{date}');
      const time = $('purge-at');
      if (!time.dateTime) time.textContent = t('noDate');
      $('pending-text').replaceChildren(before, el('strong', {}, time), after);
    }
    $('lang').value = lang;
  }

  async function switchLanguage() {
    lang = supported($('lang').value) || 'en';
    localStorage.setItem(LANG_KEY, lang);
    await need();
    // What the page built from the API is built again in the new language, the catalog asked for in it.
    catalog = null;
    if (!$('active').hidden) await showState(standing, true);
    else if (!$('pending').hidden && $('purge-at').dateTime) setPurgeDate($('purge-at').dateTime);
  }

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
    iso ? new Intl.DateTimeFormat(lang, style).format(new Date(iso)) : '';
  const day = (iso) => when(iso, { dateStyle: 'long' });
  const timeEl = (iso, style) => el('time', { datetime: iso, text: when(iso, style) });
  const titleOf = (id) => (catalog && catalog.purposes.find((p) => p.id === id)?.title) || id;
  // The purposes' own words are in the language the API answered in; marked when it is not the page's (WCAG 3.1.2).
  const purposeLang = () => (catalogLang && catalogLang !== lang ? catalogLang : false);
  const source = (key) => (known(`src_${key}`) ? t(`src_${key}`) : key);
  const decided = (granted) => t(granted ? 'allowed' : 'refused');

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
    complain(error && error.message ? error.message : t('failed'));
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
      super((body && body.message) || t('serverSaid', { status }));
      this.status = status;
      this.body = body || {};
    }
  }

  // Bumped whenever the account's state changes here: a 410 answering a request sent before a restore is old news.
  let stateGeneration = 0;

  function sessionEnded() {
    const error = new ApiError(401, { message: t('sessionEnded') });
    error.handled = true;
    if (!$('signin').hidden) return error; // already told
    signOut(t('sessionEnded'));
    $('signin-title').focus();
    return error;
  }

  async function api(method, path, body) {
    const sentAt = stateGeneration;
    const headers = { Accept: 'application/json', 'Accept-Language': lang };
    const bearer = token();
    // Every /me and /parents/me route needs the user's token: without one (it expired, or another tab signed out)
    // the session has ended, and the request is not sent to be refused.
    if (!bearer && (path.startsWith('/me') || path.startsWith('/parents/'))) throw sessionEnded();
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
    if (answer.ok && path === '/consent/purposes') {
      catalogLang = (answer.headers.get('Content-Language') || lang).split(',')[0].trim().toLowerCase();
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
    if (query.get('error')) return complain(t('signInFailed', { reason: query.get('error_description') || query.get('error') }));
    if (!expected || returned !== expected) return complain(t('signInMismatch'));
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
    if (!answer.ok) return complain(t('signInRefused'));
    sessionStorage.setItem(TOKEN_KEY, (await answer.json()).access_token);
  }

  async function localSignIn(event) {
    event.preventDefault();
    const username = $('username').value.trim();
    if (!username) return complain(t('enterUsername'));
    try {
      const answer = await fetch(`${API}/_local/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username }),
      });
      const data = await answer.json().catch(() => ({}));
      if (!answer.ok || !data.access_token) throw new Error(t('signInFailed', { reason: data.message || answer.status }));
      sessionStorage.setItem(TOKEN_KEY, data.access_token);
      say(t('signedIn'));
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
    else say(t('signedOut'));
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
    $('who-name').textContent = claims.email ? t('signedInAs', { email: claims.email }) : t('signedIn');
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

  async function showState(status, again) {
    stateGeneration += 1;
    await need('account').catch(report);
    if (status.state === 'pending_deletion') return showPending(status);
    if (status.state === 'purged') {
      show('purged');
      return $('purged-title').focus();
    }
    await need('consents', 'requests', 'restriction', 'objection').catch(report);
    standing = status;
    show('active');
    renderRestriction();
    showDeletionTerms().catch(report);
    const loads = [loadConsents(), loadHistory(true), loadRequests(), loadChildren()];
    if (!$('policy').hidden) loads.push(loadPolicy());
    if (!$('recipients').hidden) loads.push(loadRecipients());
    if (!again) loads.push(loadProfile());
    const results = await Promise.allSettled(loads);
    results.filter((r) => r.status === 'rejected').forEach((r) => report(r.reason));
    // The objection offers the catalog's purposes: drawn once loadConsents has it.
    await renderObjections().catch(report);
  }

  function onGone(data) {
    // 410 body: {"error", "message", "details": [{"state", "purge_at"}]}
    const detail = (data && Array.isArray(data.details) && data.details.find((d) => d && d.state)) || {};
    if (detail.state === 'purged') return showState({ state: 'purged' });
    if ($('pending').hidden) showPending({ purge_at: detail.purge_at });
  }

  function setPurgeDate(iso) {
    const time = $('purge-at');
    time.dateTime = iso;
    time.textContent = day(iso);
  }

  async function showPending(data) {
    clearTimeout(pollTimer);
    await need('account').catch(report);
    show('pending');
    $('pending-title').focus();
    await showDeletionTerms();
    let purgeAt = data && (data.purge_at || data.restore_until);
    if (!purgeAt) {
      try {
        purgeAt = (await api('GET', '/me/status')).purge_at;
      } catch {
        purgeAt = null;
      }
    }
    if (purgeAt) setPurgeDate(purgeAt);
  }

  // ---------------------------------------------------------------- consents
  async function loadConsents() {
    const [purposes, mine] = await Promise.all([catalog || api('GET', '/consent/purposes'), api('GET', '/me/consents')]);
    catalog = purposes;
    consents = mine.consents || {};
    const groups = {};
    for (const p of catalog.purposes) {
      if ((consents[p.id] || {}).offered === false) continue; // closed to minors, and this user is one
      const category = p.category || 'other';
      const legend = known(`cat_${category}`) ? t(`cat_${category}`) : category;
      groups[category] ||= el('fieldset', { class: 'group' }, el('legend', { text: legend }));
      const c = consents[p.id] || {};
      const id = `consent-${p.id}`;
      let state;
      if (p.required) state = t('alwaysOn');
      else if (!c.decided) state = t('undecided');
      else if (c.stale) state = t('stale');
      else state = t('decidedOn', { decision: decided(c.granted), when: when(c.at), how: source(c.source) });
      const gpcNote = GPC && p.gpc_opt_out && !p.required ? t('gpcNote') : null;
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
          el('label', { for: id, text: p.title, lang: purposeLang() }),
          el('p', { id: `${id}-state`, class: 'purpose-state', text: state }),
          el('p', { id: `${id}-desc`, class: 'purpose-desc', text: p.description, lang: purposeLang() }),
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
      if (p.required || (consents[p.id] || {}).offered === false) continue;
      const wanted = $(`consent-${p.id}`).checked;
      const c = consents[p.id] || {};
      // Only what changed, plus stale choices the user has now seen again: each is recorded as a new event.
      if (!c.decided || c.stale || wanted !== c.granted) {
        if (c.decided || wanted) decisions[p.id] = wanted;
      }
    }
    if (!Object.keys(decisions).length) return say(t('unchanged'));
    const body = { decisions, source: 'settings' };
    const overridesGpc = catalog.purposes.some((p) => GPC && p.gpc_opt_out && decisions[p.id] === true);
    if (overridesGpc) body.gpc_conflict_acknowledged = true; // an explicit choice the user made after our notice
    try {
      const receipt = await api('PUT', '/me/consents', body);
      await Promise.all([loadConsents(), loadHistory(true)]);
      say(t('saved', { id: receipt.receipt_id }));
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
        el('td', { text: titleOf(item.purpose), lang: purposeLang() }),
        el('td', { text: decided(item.decision) }),
        el('td', { text: item.previous == null ? '—' : decided(item.previous) }),
        el('td', { text: source(item.source) }),
        el(
          'td',
          {},
          el(
            'button',
            { type: 'button', class: 'secondary small', 'data-receipt': item.receipt_id },
            t('viewReceipt'),
            el('span', { class: 'visually-hidden', text: t('receiptFor', { purpose: titleOf(item.purpose), when: when(item.at) }) }),
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
      const reported = receipt.jurisdiction_source === 'client_claim' ? t('reported') : '';
      const rows = [
        [t('receipt'), receipt.receipt_id],
        [t('issued'), when(receipt.timestamp)],
        [t('policyVersion'), receipt.policy_version],
        [t('collectedThrough'), source(receipt.collection_method)],
        [t('jurisdiction'), receipt.jurisdiction ? receipt.jurisdiction + reported : t('unknown')],
        [t('gpcSignal'), t(receipt.gpc_signal ? 'present' : 'absent')],
        [t('subjectRef'), receipt.subject],
      ];
      $('receipt-meta').replaceChildren(...rows.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })]));
      $('receipt-purposes')
        .querySelector('tbody')
        .replaceChildren(
          ...receipt.purposes.map((p) =>
            el(
              'tr',
              {},
              el('td', { text: p.title, lang: purposeLang() }),
              el('td', { text: decided(p.decision) }),
              el('td', { text: known(`basis_${p.legal_basis}`) ? t(`basis_${p.legal_basis}`) : p.legal_basis }),
              el('td', { text: source(p.source) }),
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
    if (profile.email) $('who-name').textContent = t('signedInAs', { email: profile.email });
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
    if (!Object.keys(patch).length) return say(t('profileUnchanged'));
    try {
      profile = await api('PATCH', '/me', patch);
      for (const field of FIELDS) $(`profile-${field}`).value = profile[field] || '';
      say(t('profileSaved'));
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
      el('p', { text: error.message || t('profileNotSaved') }),
      items.length ? el('ul', {}, ...items) : null,
    );
    $('profile-errors').hidden = false;
    $('profile-errors').focus();
  }

  // ---------------------------------------------------------------- export (right of access / portability)
  const OPEN = ['received', 'in_progress'];

  function renderRequest(request) {
    let value = 10;
    let key;
    switch (request.status) {
      case 'received':
        key = 'p_received';
        break;
      case 'in_progress':
        value = request.export_ready ? 80 : 40;
        key = request.export_ready ? 'p_waiting' : 'p_working';
        break;
      case 'completed':
        value = 100;
        key = request.export_ready ? 'p_ready' : 'p_done';
        break;
      case 'failed':
        key = 'p_failed';
        break;
      case 'rejected':
        key = 'p_rejected';
        break;
      default:
        key = 'p_expired';
    }
    $('export-progress').hidden = false;
    $('export-bar').value = value;
    $('export-bar').textContent = `${value}%`;
    $('export-status').textContent = t(key);
    $('export-start').disabled = OPEN.includes(request.status);
  }

  // ---------------------------------------------------------------- every request: status, due date, download
  let requests = [];

  function remember(request) {
    requests = [request, ...requests.filter((r) => r.request_id !== request.request_id)];
    renderRequests();
  }

  function renderRequests() {
    const rows = requests
      .slice()
      .sort((a, b) => b.received_at.localeCompare(a.received_at))
      .map((r) =>
        el(
          'tr',
          {},
          el('td', { text: t(`t_${r.type}`) }),
          el('td', {}, timeEl(r.received_at, { dateStyle: 'medium' })),
          // The status in words (never a colour alone)
          el('td', {}, el('span', { class: `badge badge-${r.status}`, text: t(`s_${r.status}`) })),
          el('td', {}, timeEl(r.due_at, { dateStyle: 'medium' }), r.extended ? ` ${t('extended')}` : null),
          el(
            'td',
            {},
            r.export_ready &&
              el(
                'button',
                { type: 'button', class: 'secondary small', 'data-download': r.request_id },
                t('fetchFile'),
                el('span', { class: 'visually-hidden', text: t('fileOf', { when: when(r.received_at) }) }),
              ),
          ),
        ),
      );
    $('requests-rows').replaceChildren(...rows);
    $('requests-table').hidden = !rows.length;
    $('requests-none').hidden = rows.length > 0;
  }

  async function downloadFrom(button) {
    try {
      const link = await api('GET', `/me/requests/${button.dataset.download}/download`);
      location.assign(link.url);
    } catch (error) {
      report(error);
    }
  }

  async function track(request) {
    clearTimeout(pollTimer);
    exportId = request.request_id;
    remember(request);
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
      $('export-status').textContent = t('checkFailed');
      pollTimer = setTimeout(poll, POLL_MS * 3);
    }
  }

  async function offerDownload() {
    const link = await api('GET', `/me/requests/${exportId}/download`);
    const anchor = $('export-link');
    anchor.href = link.url;
    anchor.dataset.expiresAt = link.expires_at;
    $('export-expiry').textContent = t('linkUntil', { when: when(link.expires_at, { timeStyle: 'short' }) });
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
      say(t('requested'));
      await track(request);
    } catch (error) {
      $('export-start').disabled = false;
      report(error);
    }
  }

  async function loadRequests() {
    ({ items: requests } = await api('GET', '/me/requests'));
    renderRequests();
    // The latest copy still under way (or ready) is followed as if just asked for.
    const latest = requests
      .filter((r) => r.type === 'access' || r.type === 'portability')
      .sort((a, b) => b.received_at.localeCompare(a.received_at))[0];
    if (latest && (OPEN.includes(latest.status) || (latest.status === 'completed' && latest.export_ready))) {
      await track(latest);
    }
  }

  // ---------------------------------------------------------------- a parent's children
  let children = [];
  const childNotes = {}; // child id -> {text, url}: what the last action did, kept across renders
  const childNames = {}; // child id -> the given name last seen

  async function loadChildren() {
    let items = [];
    try {
      ({ items } = await api('GET', '/parents/me/children'));
    } catch (error) {
      if (error.handled || ![403, 404, 405].includes(error.status)) throw error;
    }
    children = items || [];
    if (children.length) {
      catalog ||= await api('GET', '/consent/purposes');
      await need('parent');
    }
    renderChildren();
  }

  function renderChildren(focusId) {
    $('children').hidden = $('nav-children').hidden = !children.length;
    $('children-list').replaceChildren(...children.map(childCard));
    if (focusId && $(`${focusId}-name`)) $(`${focusId}-name`).focus();
  }

  function confirmable(what, start, yes, run) {
    // Says what will happen, then asks once more before doing it.
    const no = el('button', { type: 'button', class: 'secondary' }, t('cancel'));
    const go = el('button', { type: 'button', class: 'danger' }, yes);
    const ask = el('div', { class: 'confirm', role: 'group', hidden: true }, el('p', {}, el('strong', { text: t('sure') })), go, no);
    const open = el('button', { type: 'button', class: 'danger' }, start);
    open.addEventListener('click', () => {
      ask.hidden = false;
      open.hidden = true;
      no.focus();
    });
    no.addEventListener('click', () => {
      ask.hidden = true;
      open.hidden = false;
      open.focus();
    });
    go.addEventListener('click', run);
    return el('div', { class: 'child-action' }, el('p', { text: what }), open, ask);
  }

  function childCard(child) {
    // A child pending deletion has no profile any more: the name the parent saw stays on the card.
    if (child.profile && child.profile.given_name) childNames[child.child_subject_id] = child.profile.given_name;
    const name = childNames[child.child_subject_id] || t('child', { ref: child.child_reference });
    const id = `child-${child.child_subject_id}`;
    const base = `/parents/me/children/${encodeURIComponent(child.child_subject_id)}`;
    const total = Object.values(child.collected || {}).reduce((sum, n) => sum + n, 0);
    const chosen = Object.entries(child.consents || {}).map(([p, granted]) => `${titleOf(p)}: ${decided(granted)}`);
    let state = t('childActive', { date: day(child.linked_at) });
    if (child.state === 'pending_deletion') state = t('childPending', { date: day(child.purge_at) });
    if (child.state === 'purged') state = t('childPurged');
    const note = childNotes[child.child_subject_id] || {};
    const act = (path, body, done) => async () => {
      try {
        const answer = await api('POST', `${base}/${path}`, body);
        childNotes[child.child_subject_id] = { text: done(answer) };
        say(childNotes[child.child_subject_id].text);
        if (path === 'requests') followChild(child, answer);
        else await loadChildren();
        renderChildren(id);
      } catch (error) {
        report(error);
      }
    };
    const active = child.state === 'active';
    const restriction = active && child.restricted ? child.restriction : null;
    return el(
      'section',
      { class: 'child', id, 'aria-labelledby': `${id}-name` },
      el('h3', { id: `${id}-name`, tabindex: '-1', text: name }),
      el('p', { class: 'child-state', text: state }),
      restriction &&
        el(
          'p',
          { class: 'child-restricted' },
          ...withDate(t('childRestricted'), restriction.since),
          ` ${t('stateGrounds', { grounds: t(`pg_${restriction.grounds}`) })}`,
          restriction.restricted_by === 'subject' ? ` ${t('childByChild')}` : null,
        ),
      el('p', { text: t('childHeld', { count: total }) }),
      el('p', { text: t('childConsents', { list: chosen.join(', ') || t('childNone') }) }),
      active &&
        el(
          'div',
          { class: 'child-action' },
          el('p', { text: t('copyWhat') }),
          el('button', { type: 'button', 'data-child-copy': child.child_subject_id }, t('copyStart')),
        ),
      active && (restriction ? childLift(id, act) : childRestrict(id, act)),
      active && confirmable(t('withdrawWhat'), t('withdrawStart'), t('withdrawYes'), act('withdraw', undefined, (a) => t('withdrawn', { date: day(a.purge_at) }))),
      active && confirmable(t('eraseWhat'), t('eraseStart'), t('eraseYes'), act('erasure', undefined, (a) => t('erased', { date: day(a.purge_at) }))),
      note.text && el('p', { class: 'child-note' }, note.text, note.url ? ' ' : null, note.url ? el('a', { href: note.url, class: 'button-link', text: t('copyLink') }) : null),
    );
  }

  // Restriction (GDPR Art. 18) of a child's processing: said before what it does, confirmed after. Nothing is
  // deleted, so nothing is asked twice; the child cannot lift what the parent placed (the API refuses it).
  function childRestrict(id, act) {
    const what = el('p', { id: `${id}-restrict-what`, text: t('restrictChildWhat') });
    const error = el('p', { id: `${id}-grounds-error`, class: 'field-error' });
    const grounds = el(
      'fieldset',
      { class: 'group', 'aria-describedby': `${id}-grounds-error` },
      el('legend', { text: t('childWhy') }),
      ...GROUNDS.map((ground) =>
        el(
          'div',
          { class: 'purpose' },
          el('input', { type: 'radio', id: `${id}-ground-${ground}`, name: `${id}-grounds`, value: ground }),
          el('label', { for: `${id}-ground-${ground}`, text: t(`pg_${ground}`) }),
        ),
      ),
    );
    const start = el('button', { type: 'submit', 'aria-describedby': `${id}-restrict-what` }, t('restrictChildStart'));
    const form = el('form', { class: 'child-action', novalidate: true }, what, grounds, error, start);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const chosen = form.querySelector('input:checked');
      error.textContent = chosen ? '' : t('childChoose');
      if (!chosen) return form.querySelector('input').focus();
      return act('restriction', { grounds: chosen.value }, () => t('restrictedChild'))();
    });
    return form;
  }

  function childLift(id, act) {
    const lift = el('button', { type: 'button', 'aria-describedby': `${id}-lift-what` }, t('liftChildStart'));
    lift.addEventListener('click', act('restriction/lift', undefined, () => t('liftedChild')));
    return el('div', { class: 'child-action' }, el('p', { id: `${id}-lift-what`, text: t('liftChildWhat') }), lift);
  }

  async function startChildCopy(button) {
    const child = children.find((c) => c.child_subject_id === button.dataset.childCopy);
    if (!child) return;
    button.disabled = true;
    try {
      const request = await api('POST', `/parents/me/children/${encodeURIComponent(child.child_subject_id)}/requests`, { type: 'access' });
      const text = t('copySent', { status: t(`s_${request.status}`) });
      childNotes[child.child_subject_id] = { text };
      say(text);
      renderChildren(`child-${child.child_subject_id}`);
      followChild(child, request);
    } catch (error) {
      button.disabled = false;
      report(error);
    }
  }

  async function followChild(child, request) {
    // A few checks while the copy is prepared; when it is ready, its short-lived link is offered in the card.
    const base = `/parents/me/children/${encodeURIComponent(child.child_subject_id)}/requests/${request.request_id}`;
    let current = request;
    for (let tries = 0; tries < 30 && OPEN.includes(current.status); tries += 1) {
      await new Promise((done) => setTimeout(done, POLL_MS));
      if ($('active').hidden) return;
      current = await api('GET', base).catch(() => current);
    }
    if (!current.export_ready) return;
    const link = await api('GET', `${base}/download`).catch(() => null);
    if (!link) return;
    childNotes[child.child_subject_id] = { text: t('copyReady'), url: link.url };
    say(t('copyReady'));
    renderChildren();
  }

  // ---------------------------------------------------------------- deletion and restore
  // A policy without a restore window (erasure.restore_window_days 0) purges at once: nothing promises or offers a
  // restore, and the deletion is said to be immediate and final. Asked once (GET /policy is public and cacheable).
  let finalDeletion = null;
  async function deletionIsFinal() {
    if (finalDeletion === null) {
      finalDeletion = await api('GET', '/policy')
        .then((policy) => policy.erasure.restore_window_days === 0)
        .catch(() => null);
    }
    return finalDeletion === true;
  }

  function reword(node, key) {
    node.dataset.i18n = key;
    node.textContent = t(key);
  }

  async function showDeletionTerms() {
    const final = await deletionIsFinal();
    reword($('delete-text'), final ? 'deleteTextFinal' : 'deleteText');
    reword($('pending-restore'), final ? 'pendingFinal' : 'pendingRestore');
    $('restore').hidden = final;
    return final;
  }

  async function deleteAccount() {
    try {
      const answer = await api('DELETE', '/me');
      await showPending(answer);
      say((await showDeletionTerms()) ? t('deletedFinal') : t('deleted'));
    } catch (error) {
      if (error.status === 404 || error.status === 405) {
        complain(t('deleteMissing'));
      } else {
        report(error);
      }
    }
  }

  async function restoreAccount() {
    try {
      await api('POST', '/me/restore');
      // A restriction or objections made before the deletion come back with the account: the status says which.
      await showState(await api('GET', '/me/status').catch(() => ({ state: 'active' })));
      say(t('restored'));
      $('consents-title').focus();
    } catch (error) {
      report(error);
    }
  }

  // ---------------------------------------------------------------- the policy (GET /policy, Art. 13/15)
  async function openPolicy(event) {
    event.preventDefault();
    $('policy').hidden = false;
    try {
      await loadPolicy();
    } catch (error) {
      report(error);
    }
    $('policy-title').focus();
  }

  async function loadPolicy() {
    await need('policy');
    renderPolicy(await api('GET', '/policy'));
  }

  // "P10Y" -> "10 years from the record's date", in the page's language; until_account_deletion in words too.
  function periodWords(period) {
    if (period === 'until_account_deletion') return t('untilDeletion');
    const parts = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/.exec(period || '');
    if (!parts || !(parts[1] || parts[2] || parts[3])) return period;
    const amounts = [['year', parts[1]], ['month', parts[2]], ['day', parts[3]]]
      .filter(([, n]) => n)
      .map(([unit, n]) => new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'long' }).format(Number(n)));
    return t('periodFrom', { period: new Intl.ListFormat(lang, { type: 'unit', style: 'long' }).format(amounts) });
  }

  const wordOr = (key, fallback) => (known(key) ? t(key) : fallback);
  const region = (code) => {
    try {
      return new Intl.DisplayNames([lang], { type: 'region' }).of(code) || code;
    } catch {
      return code;
    }
  };

  function table(id, headings, rows) {
    return el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { 'aria-labelledby': id },
        el('thead', {}, el('tr', {}, ...headings.map((key) => el('th', { scope: 'col', text: t(key) })))),
        el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell))))),
      ),
    );
  }

  function renderPolicy(policy) {
    const heading = (id, key) => el('h3', { id, text: t(key) });
    const controller = policy.controller;
    const authority = policy.supervisory_authority;
    const recipients = policy.recipients || [];
    const blocks = [
      el('p', { text: t('policyIntro', { product: policy.product, version: policy.version }) }),
      heading('policy-contact', 'policyContact'),
      el('p', { text: t('controllerText', { name: controller.name }) }),
      controller.contact_email
        ? el(
            'p',
            {},
            `${t('contactEmail')} `,
            el('a', { href: `mailto:${controller.contact_email}`, text: controller.contact_email }),
          )
        : el('p', { text: t('noEmail') }),
      heading('policy-rights', 'policyRights'),
      el('ul', {}, ...policy.rights.map((id) => el('li', { text: wordOr(`right_${id}`, id) }))),
      heading('policy-retention', 'policyRetention'),
      table(
        'policy-retention',
        ['retCategory', 'retPeriod', 'retBasis'],
        policy.retention.map((r) => [
          wordOr(`rc_${r.category}`, r.category.replace(/_/g, ' ')),
          periodWords(r.period),
          r.basis,
        ]),
      ),
      // The recipients are listed once, with the purposes each serves, in their own section (GET /me/recipients).
      recipients.length > 0 && heading('policy-recipients', 'policyRecipients'),
      recipients.length > 0 && el('p', {}, el('a', { href: '#recipients', 'data-recipients': true, text: t('recipientsSee') })),
      heading('policy-complaint', 'policyComplaint'),
      el(
        'p',
        {},
        `${t('complaintText')} `,
        el('a', { id: 'policy-authority', href: authority.url, rel: 'external noopener', text: authority.name }),
      ),
    ];
    $('policy-body').replaceChildren(...blocks.filter(Boolean));
  }

  // ---------------------------------------------------------------- restriction (GDPR Art. 18) and objection (Art. 21)
  const GROUNDS = ['accuracy_contested', 'unlawful_processing', 'legal_claims', 'objection_pending'];

  // "... on {date}." with the date a <time> element.
  function withDate(text, iso) {
    const [before, after = ''] = text.split('{date}');
    return [before, timeEl(iso, { dateStyle: 'long' }), after];
  }

  function renderRestriction() {
    const restriction = standing.state === 'restricted' ? standing.restriction : null;
    $('account-state').replaceChildren(...(restriction ? withDate(t('stateRestricted'), restriction.since) : [t('accountActive')]));
    $('account-grounds').hidden = !restriction;
    $('account-grounds').textContent = restriction ? t('stateGrounds', { grounds: t(`g_${restriction.grounds}`) }) : '';
    // Art. 18(3): an operator's lift is told before it takes effect; asking again keeps the restriction.
    const liftAt = restriction && restriction.lift_at;
    $('account-lift').hidden = !liftAt;
    $('account-lift').replaceChildren(...(liftAt ? withDate(t('stateLiftAt'), liftAt) : []));
    $('restriction-form').hidden = !!restriction && !liftAt;
    // A restriction a parent placed is lifted by that parent only: the child is told so, and offered no lift.
    const byParent = !!restriction && restriction.restricted_by === 'parent';
    $('restriction-lift').hidden = !restriction || byParent;
    $('restriction-parent').hidden = !byParent;
    $('restriction-text').hidden = byParent; // "You can lift it at any time" is not true of theirs
    const chosen = (document.querySelector('input[name="grounds"]:checked') || {}).value;
    $('grounds').replaceChildren(
      $('grounds').querySelector('legend'),
      ...GROUNDS.map((ground) =>
        el(
          'div',
          { class: 'purpose' },
          el('input', {
            type: 'radio',
            id: `ground-${ground}`,
            name: 'grounds',
            value: ground,
            checked: ground === chosen,
            'aria-describedby': `ground-${ground}-desc`,
          }),
          el('label', { for: `ground-${ground}`, text: t(`g_${ground}`) }),
          el('p', { id: `ground-${ground}-desc`, text: t(`gd_${ground}`) }),
        ),
      ),
    );
  }

  async function refreshStanding(focusId) {
    const status = await api('GET', '/me/status');
    if (status.state === 'pending_deletion' || status.state === 'purged') return showState(status);
    standing = status;
    renderRestriction();
    await renderObjections();
    if (focusId) $(focusId).focus();
  }

  async function restrict(event) {
    event.preventDefault();
    const chosen = document.querySelector('input[name="grounds"]:checked');
    $('grounds-error').textContent = chosen ? '' : t('chooseGrounds');
    if (!chosen) return $('ground-accuracy_contested').focus();
    try {
      remember(await api('POST', '/me/requests', { type: 'restriction', grounds: chosen.value }));
      await refreshStanding('restriction-title');
      say(t('restrictDone'));
    } catch (error) {
      report(error);
    }
  }

  async function liftRestriction() {
    try {
      await api('POST', '/me/restriction/lift');
      await refreshStanding('restriction-title');
      say(t('liftDone'));
    } catch (error) {
      report(error);
    }
  }

  async function renderObjections() {
    catalog ||= await api('GET', '/consent/purposes');
    const made = standing.objections || [];
    const objected = new Set(made.map((o) => o.purpose));
    $('objections-made').hidden = !made.length;
    $('objection-list').replaceChildren(
      ...made.map((o) =>
        el(
          'li',
          {},
          el('span', { class: 'objected-purpose', text: titleOf(o.purpose), lang: purposeLang() }),
          ' — ',
          ...withDate(t(o.in_force ? 'objStopped' : 'objOverridden'), o.at),
        ),
      ),
    );
    // Only where an objection applies (the API says which: direct marketing, legitimate interests), and not twice.
    const offered = catalog.purposes.filter(
      (p) => p.objectable && !objected.has(p.id) && (consents[p.id] || {}).offered !== false,
    );
    const anyObjectable = catalog.purposes.some((p) => p.objectable);
    $('objection-form').hidden = !offered.length;
    $('objection-none').hidden = offered.length > 0;
    $('objection-none').textContent = anyObjectable ? t('objAllMade') : t('objNone');
    $('objectable').replaceChildren(
      $('objectable').querySelector('legend'),
      ...offered.map((p) => {
        const id = `object-${p.id}`;
        return el(
          'div',
          { class: 'purpose' },
          el('input', { type: 'checkbox', id, name: p.id, 'aria-describedby': `${id}-desc` }),
          el('label', { for: id, text: p.title, lang: purposeLang() }),
          el('p', { id: `${id}-desc`, text: t(p.direct_marketing ? 'objAbsolute' : 'objBalanced') }),
        );
      }),
    );
  }

  async function objectTo(event) {
    event.preventDefault();
    const purposes = [...$('objectable').querySelectorAll('input:checked')].map((box) => box.name);
    $('objectable-error').textContent = purposes.length ? '' : t('objectChoose');
    if (!purposes.length) return $('objectable').querySelector('input').focus();
    try {
      remember(await api('POST', '/me/requests', { type: 'objection', purposes }));
      await refreshStanding('objection-title');
      say(t('objectDone'));
    } catch (error) {
      // 422 objection_not_applicable: the API's own sentence says to withdraw the consent instead.
      report(error);
    }
  }

  // ---------------------------------------------------------------- recipients (GET /me/recipients, Art. 19)
  async function openRecipients(event) {
    event.preventDefault();
    $('recipients').hidden = false;
    try {
      await loadRecipients();
    } catch (error) {
      report(error);
    }
    $('recipients-title').focus();
  }

  async function loadRecipients() {
    await need('policy');
    const answer = await api('GET', '/me/recipients');
    const titlesLang = answer.language && answer.language !== lang ? answer.language : false;
    const served = (r) =>
      r.purposes.length
        ? el('ul', { class: 'plain', lang: titlesLang }, ...r.purposes.map((p) => el('li', { text: p.title })))
        : t('recNone');
    $('recipients-body').replaceChildren(
      table(
        'recipients-title',
        ['recName', 'recPurpose', 'recRole', 'recServes', 'recCountry', 'recSafeguard'],
        answer.items.map((r) => [
          r.name,
          r.purpose,
          wordOr(`role_${r.role}`, r.role),
          served(r),
          r.country ? region(r.country) : t('notStated'),
          wordOr(`sg_${r.safeguard}`, r.safeguard),
        ]),
      ),
    );
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
    $('nav-policy').addEventListener('click', (event) => openPolicy(event));
    $('nav-recipients').addEventListener('click', (event) => openRecipients(event));
    $('policy-body').addEventListener('click', (event) => event.target.closest('a[data-recipients]') && openRecipients(event));
    $('restriction-form').addEventListener('submit', restrict);
    $('lift-start').addEventListener('click', liftRestriction);
    $('objection-form').addEventListener('submit', objectTo);
    $('requests-rows').addEventListener('click', (event) => {
      const button = event.target.closest('button[data-download]');
      if (button) downloadFrom(button);
    });
    $('lang').addEventListener('change', () => switchLanguage().catch(report));
    $('children-list').addEventListener('click', (event) => {
      const button = event.target.closest('button[data-child-copy]');
      if (button) startChildCopy(button);
    });
  }

  async function boot() {
    wire();
    await need().catch(report);
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
