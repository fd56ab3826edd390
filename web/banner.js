/*! Privacy consent banner. Plain ES2020, no dependencies, loads nothing from third parties.
 *
 * Embed with one tag (data-api defaults to the origin this script is served from):
 *   <script src="https://host/banner.js" data-api="https://api.example" defer></script>
 * Optional: data-css="https://host/custom.css" to use another stylesheet, data-css="none" to style it yourself.
 * Optional: data-minor="true" when the host knows the signed-in user is under the age of digital consent: the
 * purposes closed to minors (for_minors: false in the catalog) are then not offered, nor granted by "accept all".
 * Optional: data-lang="de" for the language (en, ro, de, fr, es, it); else the first of navigator.languages we
 * have, else English. Its words come from i18n/banner/<lang>.json next to this script, fetched for that language
 * only; the purposes' own texts come in whatever language the API answers (Content-Language).
 *
 * For the host page:
 *   window.PrivacyConsent.get()        -> {purposeId: boolean}, or null before any decision
 *   window.PrivacyConsent.onChange(fn) -> fn(decisions) after load and after every save; returns an unsubscribe
 *   window.PrivacyConsent.open()       -> shows the banner again (so does a click on any [data-privacy-settings])
 *   window event "privacy-consent"     -> CustomEvent, detail = decisions, after load and after every save
 * Load optional scripts (analytics...) only when get()[purpose] === true.
 * When the choices cannot be loaded, opening the banner loads them again, or says so with Try again and Close.
 */
(() => {
  'use strict';
  if (window.PrivacyConsent) return;

  const script = document.currentScript;
  const here = new URL(script && script.src ? script.src : location.href, location.href);
  const api = ((script && script.dataset.api) || here.origin).replace(/\/+$/, '');
  const COOKIE = 'privacy_visitor';
  const MAX_AGE = 396 * 86400; // 13 months, the longest a consent is kept before it must be asked again
  const GPC = navigator.globalPrivacyControl === true;
  const MINOR = !!script && script.dataset.minor === 'true';
  const LANGS = ['en', 'ro', 'de', 'fr', 'es', 'it'];
  const lang =
    [(script && script.dataset.lang) || '', ...(navigator.languages || [navigator.language])]
      .map((tag) => String(tag).toLowerCase().split('-')[0])
      .find((tag) => LANGS.includes(tag)) || 'en';
  // Enough English to say that nothing could be loaded, when not even the words could be.
  const FALLBACK = {
    title: 'Your privacy choices',
    failed: 'Your privacy choices could not be loaded. Please try again in a moment.',
    retry: 'Try again',
    close: 'Close',
  };
  let words = null;
  const t = (key) => (words && words[key]) || FALLBACK[key] || key;
  const listeners = [];
  let purposes = [];
  let purposesLang = lang;
  let decisions = null;
  let root, dialog, panel, toggle, errorBox, opener, busy, built, toast, toastTimer;
  const boxes = {};

  const refusable = () => purposes.filter((p) => !p.required);
  const blocked = (p) => GPC && p.gpc_opt_out;

  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value == null) continue;
      if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value === true ? '' : value);
    }
    node.append(...kids.filter(Boolean));
    return node;
  }

  // ---------------------------------------------------------------- visitor id (first-party cookie)
  function readVisitor() {
    const found = document.cookie.match(/(?:^|;\s*)privacy_visitor=([A-Za-z0-9_-]{16,64})(?:;|$)/);
    return found ? found[1] : null;
  }

  function visitor() {
    // Created at the first choice, not on page load: no cookie is set before the visitor decides anything.
    const id =
      readVisitor() ||
      (crypto.randomUUID
        ? crypto.randomUUID()
        : [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join(''));
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = `${COOKIE}=${id}; Max-Age=${MAX_AGE}; Path=/; SameSite=Lax${secure}`;
    return id;
  }

  // ---------------------------------------------------------------- API
  async function call(method, path, body, raw) {
    const headers = { Accept: 'application/json', 'Accept-Language': lang };
    if (body) headers['Content-Type'] = 'application/json';
    // Browsers drop Sec-* headers set by scripts (forbidden header names) and send Sec-GPC themselves when the
    // signal is on; setting it here covers other runtimes. Either way GPC purposes are sent as refused below.
    if (GPC) headers['Sec-GPC'] = '1';
    const answer = await fetch(api + path, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'omit',
    });
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status}`);
    return raw ? answer : answer.json();
  }

  // ---------------------------------------------------------------- decisions exposed to the host page
  const get = () => (decisions ? { ...decisions } : null);

  function announce() {
    const detail = get();
    for (const fn of listeners.slice()) {
      try {
        fn(detail);
      } catch (error) {
        console.error(error);
      }
    }
    window.dispatchEvent(new CustomEvent('privacy-consent', { detail }));
  }

  function withRequired(chosen) {
    const all = {};
    for (const p of purposes) all[p.id] = p.required ? true : !!chosen[p.id];
    return all;
  }

  // ---------------------------------------------------------------- the dialog
  function build() {
    // Built for the catalog at hand; without one (it could not be loaded) only the error, Try again and Close.
    if (root) root.remove();
    built = purposes;
    const button = (text, action) => el('button', { type: 'button', class: 'pc-btn', 'data-pc-action': action, text });
    const ok = purposes.length > 0;
    const groups = {};
    for (const p of purposes) {
      const category = p.category || 'other';
      groups[category] ||= el('fieldset', { class: 'pc-group' }, el('legend', { text: t(category) }));
      const id = `pc-purpose-${p.id}`;
      const off = blocked(p);
      const note = p.required ? t('always') : off ? t('gpcReason') : '';
      // The purposes' texts may be in another language than the banner's words (WCAG 3.1.2, language of parts).
      const other = purposesLang !== lang && purposesLang;
      const box = el('input', {
        type: 'checkbox',
        id,
        name: p.id,
        'data-pc-purpose': p.id,
        disabled: p.required || off,
        'aria-describedby': `${id}-desc${note ? ` ${id}-note` : ''}`,
      });
      boxes[p.id] = box;
      groups[category].append(
        el(
          'div',
          { class: 'pc-purpose' },
          box,
          el('label', { for: id, text: p.title, lang: other }),
          note && el('span', { id: `${id}-note`, class: off ? 'pc-note pc-note-gpc' : 'pc-note', text: note }),
          el('p', { id: `${id}-desc`, class: 'pc-desc', text: p.description, lang: other }),
        ),
      );
    }
    toggle = ok && el('button', {
      type: 'button',
      class: 'pc-toggle',
      'aria-expanded': 'false',
      'aria-controls': 'pc-panel',
      text: t('customize'),
    });
    panel = ok && el(
      'div',
      { id: 'pc-panel', class: 'pc-panel', hidden: true },
      ...Object.values(groups),
      el('div', { class: 'pc-actions' }, button(t('save'), 'save')),
    );
    errorBox = el('p', { class: 'pc-error', role: 'alert' });
    dialog = el(
      'div',
      {
        class: 'pc-dialog',
        role: 'dialog',
        'aria-modal': 'true',
        'aria-labelledby': 'pc-title',
        'aria-describedby': ok && 'pc-text',
        tabindex: '-1',
      },
      el('h2', { id: 'pc-title', class: 'pc-title', text: t('title') }),
      ok && el('p', { id: 'pc-text', class: 'pc-text', text: t('text') }),
      ok && GPC && el('p', { class: 'pc-text pc-note-gpc', text: t('gpc') }),
      ok ? el('div', { class: 'pc-actions' }, button(t('reject'), 'reject'), button(t('accept'), 'accept')) : errorBox,
      ok ? toggle : el('div', { class: 'pc-actions' }, button(t('retry'), 'retry'), button(t('close'), 'close')),
      panel,
      ok && errorBox,
    );
    root = el('div', { class: 'pc-root', lang, hidden: true }, el('div', { class: 'pc-backdrop' }), dialog);
    if (!toast) document.body.append((toast = el('p', { class: 'pc-toast', role: 'status', lang })));
    dialog.addEventListener('click', onClick);
    dialog.addEventListener('keydown', onKey);
    document.body.append(root);
  }

  function expand(on) {
    panel.hidden = !on;
    toggle.setAttribute('aria-expanded', String(on));
  }

  function focusables() {
    return [...dialog.querySelectorAll('button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])')].filter(
      (node) => !node.disabled && node.getClientRects().length > 0,
    );
  }

  function keepFocus(event) {
    if (!dialog.contains(event.target)) (focusables()[0] || dialog).focus();
  }

  function onKey(event) {
    if (event.key === 'Escape') {
      if (!purposes.length) return close(); // nothing could be chosen: closing implies nothing
      // Deliberately NOT a way out: closing without a choice would be implied consent (or an implied refusal the
      // visitor did not express), which regulators (EDPB, CNIL) reject. The dialog closes only on a choice.
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    if (event.key !== 'Tab') return;
    const list = focusables();
    if (!list.length) return event.preventDefault();
    const first = list[0];
    const last = list[list.length - 1];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === dialog || !dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  function onClick(event) {
    const target = event.target.closest('button');
    if (!target) return;
    if (target === toggle) return expand(panel.hidden);
    const action = target.dataset.pcAction;
    if (action === 'retry') retry();
    else if (action === 'close') close();
    else if (action) save(action);
  }

  function failed() {
    // Set after the dialog shows (and cleared first on a retry), so that screen readers announce it each time.
    errorBox.textContent = '';
    setTimeout(() => (errorBox.textContent = t('failed')), 50);
  }

  async function open() {
    // The catalog may have failed to load (at start-up or before): try again whenever the visitor asks.
    if (!purposes.length) await load().catch(report);
    if (root && !root.hidden) return;
    if (built !== purposes) build();
    opener = document.activeElement;
    for (const p of purposes) {
      boxes[p.id].checked = p.required || (!blocked(p) && (decisions ? !!decisions[p.id] : !!p.default));
    }
    errorBox.textContent = '';
    if (panel) expand(!!decisions); // reopened from "Cookie settings": show the choices at once
    root.hidden = false;
    document.addEventListener('focusin', keepFocus);
    dialog.focus();
    if (!purposes.length) failed();
  }

  async function retry() {
    if (busy) return;
    busy = true;
    dialog.setAttribute('aria-busy', 'true');
    errorBox.textContent = '';
    await load().catch(report);
    busy = false;
    dialog.removeAttribute('aria-busy');
    if (!purposes.length) return failed();
    const back = opener;
    root.hidden = true;
    await open(); // rebuilt with the choices
    opener = back;
  }

  function close() {
    root.hidden = true;
    document.removeEventListener('focusin', keepFocus);
    if (opener && opener !== document.body && opener.isConnected && opener.focus) opener.focus();
    opener = null;
  }

  async function save(action) {
    if (busy) return;
    const chosen = {};
    for (const p of refusable()) {
      chosen[p.id] = !blocked(p) && (action === 'accept' || (action === 'save' && boxes[p.id].checked));
    }
    busy = true;
    dialog.setAttribute('aria-busy', 'true');
    try {
      await call('PUT', `/visitors/${visitor()}/consents`, { decisions: chosen, source: 'banner' });
      decisions = withRequired(chosen);
      close();
      saved();
      announce();
    } catch (error) {
      console.error(error);
      errorBox.textContent = t('notSaved');
    } finally {
      busy = false;
      dialog.removeAttribute('aria-busy');
    }
  }

  function saved() {
    // Said after the dialog closes, and seen: a polite status that empties itself after a while (the choice
    // stays reachable through "Cookie settings"). The live region is in the page before its words change.
    toast.textContent = t('saved');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toast.textContent = ''), 8000);
  }

  // ---------------------------------------------------------------- start-up
  function stylesheet() {
    const href = script && script.dataset.css;
    if (href === 'none' || document.querySelector('link[data-privacy-banner]')) return Promise.resolve();
    return new Promise((done) => {
      const link = el('link', { rel: 'stylesheet', href: href || new URL('banner.css', here).href, 'data-privacy-banner': true });
      link.onload = link.onerror = done;
      document.head.append(link);
    });
  }

  const report = (error) => console.error('privacy banner:', error);

  async function wordsFor(tag) {
    const answer = await fetch(new URL(`i18n/banner/${tag}.json`, here), { credentials: 'omit' });
    if (!answer.ok) throw new Error(`banner words ${tag}: ${answer.status}`);
    return answer.json();
  }

  // The words of the banner's language, fetched once; English when that file cannot be had.
  async function loadWords() {
    words ||= await wordsFor(lang).catch((error) => (lang === 'en' ? Promise.reject(error) : wordsFor('en')));
  }

  // Loads the catalog and the visitor's stored choices, tells the host page; true when every choice is made.
  async function load() {
    const id = readVisitor();
    const [answer, mine] = await Promise.all([
      call('GET', '/consent/purposes', null, true),
      id ? call('GET', `/visitors/${id}/consents`).catch(() => null) : null,
      stylesheet(),
      loadWords(),
    ]);
    const catalog = await answer.json();
    purposesLang = (answer.headers.get('Content-Language') || lang).split(',')[0].trim().toLowerCase();
    purposes = (catalog.purposes || []).filter((p) => !(MINOR && p.for_minors === false));
    const consents = (mine && mine.consents) || {};
    let anyDecided = false;
    let complete = true;
    const known = {};
    for (const p of refusable()) {
      const c = consents[p.id];
      const valid = !!(c && c.decided && !c.stale);
      anyDecided ||= !!(c && c.decided);
      complete &&= valid;
      known[p.id] = valid && c.granted && !blocked(p); // stale consent counts as refused until confirmed again
    }
    decisions = anyDecided ? withRequired(known) : null;
    announce();
    return complete;
  }

  const ready = new Promise((resolve) => {
    // Opened when a choice is missing; when the catalog cannot load, opened (to say so) for a first-time visitor.
    const start = () =>
      load()
        .then((complete) => complete || open(), (error) => (report(error), readVisitor() || open()))
        .catch(report)
        .then(resolve);
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
    else start();
  });

  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('[data-privacy-settings]');
    if (!link) return;
    event.preventDefault();
    ready.then(open);
  });

  window.PrivacyConsent = {
    get,
    open: () => ready.then(open),
    onChange(fn) {
      listeners.push(fn);
      return () => listeners.splice(listeners.indexOf(fn) >>> 0, 1);
    },
    ready: ready.then(get),
  };
})();
