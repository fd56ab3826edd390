/* Operator console: the privacy team's page for the request queue, deadlines, legal holds, the audit trail and
 * deletion certificates. Plain ES modules, no dependencies, nothing loaded from third parties; it runs under the
 * privacy center's Content-Security-Policy (no inline script or style).
 *
 * Screens are addressed by the fragment: #/queue, #/requests/<id>, #/intake, #/holds, #/audit[/<pseudonym>],
 * #/certificates/<id>. Who gets in is the API's decision: the first /admin/ call answers 403 to anyone outside
 * privacy-admin, and the console then shows a refusal and nothing else.
 */
import { loadQueue, wireQueue } from './queue.js';
import { showRequest, wireRequest } from './request.js';
import { wireForms } from './forms.js';
import { showCertificate, showChain, wireAudit } from './audit.js';
import {
  COGNITO,
  api,
  claimsOf,
  forget,
  handleRedirect,
  hostedSignIn,
  localSignIn,
  signOut,
  token,
  whenSessionEnds,
} from './session.js';
import { $, clearMessages, complain, report, say } from './ui.js';

const PANELS = ['signin', 'refused', 'console'];
const SCREENS = {
  queue: { title: 'Request queue', nav: 'queue', load: () => loadQueue() },
  request: { title: 'Request', nav: 'queue', load: (id) => showRequest(id) },
  intake: { title: 'Record an e-mail request', nav: 'intake' },
  holds: { title: 'Legal holds', nav: 'holds' },
  audit: { title: 'Audit and certificates', nav: 'audit', load: (pseudonym) => pseudonym && showChain(pseudonym) },
  certificate: { title: 'Deletion certificate', nav: 'audit', load: (id) => showCertificate(id) },
};

function panel(name) {
  for (const id of PANELS) $(id).hidden = id !== name;
  $('who').hidden = name === 'signin';
}

function route() {
  const [, name = 'queue', argument = ''] = location.hash.match(/^#\/([a-z]+)\/?([^/]*)$/) || [];
  if (name === 'requests') return ['request', decodeURIComponent(argument)];
  if (name === 'certificates') return ['certificate', decodeURIComponent(argument)];
  return [SCREENS[name] ? name : 'queue', decodeURIComponent(argument)];
}

let generation = 0;
async function show() {
  if ($('console').hidden) return;
  const [name, argument] = route();
  const screen = SCREENS[name];
  const mine = ++generation;
  for (const id of Object.keys(SCREENS)) $(`screen-${id}`).hidden = id !== name;
  for (const link of document.querySelectorAll('.sections a')) {
    if (link.dataset.screen === screen.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${screen.title} – Operator console`;
  $(`${name}-title`).focus();
  try {
    if (screen.load) await screen.load(argument);
  } catch (error) {
    if (mine === generation) handle(error);
  }
}

function go(hash) {
  if (location.hash === hash) show();
  else location.hash = hash;
}

function handle(error) {
  if (error && error.status === 403) return refuse();
  report(error);
}

function refuse() {
  panel('refused');
  $('refused-title').focus();
}

function showSignIn(message) {
  panel('signin');
  $('local-login').hidden = !!COGNITO;
  $('hosted-login').hidden = !COGNITO;
  if (message) complain(message);
  $('signin-title').focus();
}

async function start() {
  if (!token()) return showSignIn();
  const claims = claimsOf(token()) || {};
  $('who-name').textContent = `Signed in as ${claims.username || claims.email || 'an operator'}`;
  try {
    // The API decides who is an operator: any /admin/ call answers 403 outside privacy-admin.
    await api('GET', '/admin/requests?limit=1');
  } catch (error) {
    return handle(error);
  }
  panel('console');
  await show();
}

function leave() {
  clearMessages();
  if (signOut()) return; // off to the hosted UI's sign-out, which comes back here
  showSignIn();
  say('Signed out.');
}

function wire() {
  whenSessionEnds(() => {
    forget();
    showSignIn('Your session has ended. Please sign in again.');
  });
  $('local-login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const username = $('username').value.trim();
    if (!username) return complain('Enter a username.');
    try {
      await localSignIn(username, $('local-operator').checked);
      clearMessages();
      await start();
    } catch (error) {
      report(error);
    }
  });
  $('hosted-login').addEventListener('click', () => hostedSignIn().catch(report));
  $('sign-out').addEventListener('click', leave);
  $('refused-sign-out').addEventListener('click', leave);
  window.addEventListener('hashchange', () => {
    if (!location.hash.startsWith('#/')) return; // the skip link (#main) is not a screen
    clearMessages();
    show();
  });
  wireQueue();
  wireRequest();
  wireForms();
  wireAudit(go);
}

async function boot() {
  wire();
  try {
    const failure = await handleRedirect();
    if (failure) return showSignIn(failure);
  } catch (error) {
    report(error);
  }
  await start();
}

boot();
