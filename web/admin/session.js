/* The operator's session: configuration, sign-in (the privacy center's hosted UI, or the local cloud's form), the
 * access token, the API and the server's clock.
 *
 * Configuration: window.PRIVACY_CENTER_CONFIG from the privacy center's config.js ({apiUrl, cognitoDomain, clientId,
 * redirectUri}). The console is served at admin/ beside the privacy center and signs in with the same client, which
 * lists <redirectUri>admin/ as a callback URL too (template.yaml). The token is kept in sessionStorage under a key of
 * its own, so the privacy center on the same origin never picks up an operator's token (nor the other way round).
 * Being signed in proves nothing here: the API refuses every /admin/ route without privacy-admin (403).
 */

const config = window.PRIVACY_CENTER_CONFIG || {};
export const API = (config.apiUrl || '').replace(/\/+$/, '');
export const COGNITO = config.cognitoDomain
  ? (/^https?:\/\//.test(config.cognitoDomain) ? config.cognitoDomain : `https://${config.cognitoDomain}`).replace(/\/+$/, '')
  : '';
export const LOCAL = !COGNITO; // the local cloud: /_local/login and /_local/clock exist
const REDIRECT = config.redirectUri
  ? new URL('admin/', config.redirectUri.replace(/[^/]*$/, '')).href
  : location.origin + location.pathname;
const TOKEN_KEY = 'privacy_console_token';
const STATE_KEY = 'privacy_console_state';
const VERIFIER_KEY = 'privacy_console_verifier';
const DAY = 86_400_000;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The server answered ${status}.`);
    this.status = status;
    this.body = body || {};
  }

  /** The API's message with the fields it names: "The request is not valid. (reason: too short)". */
  get details() {
    const details = Array.isArray(this.body.details) ? this.body.details : [];
    return details
      .map((d) => [d.field, d.problem || d.message].filter(Boolean).join(': '))
      .filter(Boolean);
  }
}

// ---------------------------------------------------------------- the token
export function claimsOf(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  } catch {
    return null;
  }
}

export function token() {
  const value = sessionStorage.getItem(TOKEN_KEY);
  if (!value) return null;
  const claims = claimsOf(value);
  if (!claims || (claims.exp && claims.exp * 1000 < Date.now())) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return value;
}

export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// ---------------------------------------------------------------- the API
let onSessionEnded = () => {};
export function whenSessionEnds(callback) {
  onSessionEnded = callback;
}

export async function api(method, path, body, { anonymous = false } = {}) {
  const headers = { Accept: 'application/json' };
  const bearer = anonymous ? null : token();
  if (!anonymous && !bearer) {
    onSessionEnded();
    throw Object.assign(new ApiError(401, { message: 'Your session has ended. Please sign in again.' }), { handled: true });
  }
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const answer = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await answer.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (answer.ok) return data;
  const error = new ApiError(answer.status, data);
  if (answer.status === 401 && !anonymous) {
    onSessionEnded();
    error.handled = true;
  }
  throw error;
}

// ---------------------------------------------------------------- the server's clock
// Deadlines are the server's: locally its clock can be moved (POST /_local/clock), so "days left" follows it there.
let offsetMs = 0;
export async function syncClock() {
  if (!LOCAL) return;
  try {
    const answer = await fetch(`${API}/_local/clock`);
    if (answer.ok) offsetMs = ((await answer.json()).offset_seconds || 0) * 1000;
  } catch {
    offsetMs = 0;
  }
}
export const now = () => Date.now() + offsetMs;
export const clockNote = () =>
  offsetMs ? `The local cloud's clock is ${Math.round(offsetMs / DAY)} days ahead: deadlines are counted from its time.` : '';

// ---------------------------------------------------------------- sign-in and sign-out
function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
const randomString = (bytes) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

export async function hostedSignIn() {
  const state = randomString(16);
  const verifier = randomString(48);
  sessionStorage.setItem(STATE_KEY, state);
  sessionStorage.setItem(VERIFIER_KEY, verifier);
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: REDIRECT,
    scope: config.scope || 'openid email profile',
    state,
    code_challenge: base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
    code_challenge_method: 'S256',
  });
  location.assign(`${COGNITO}/oauth2/authorize?${params}`);
}

/** Back from the hosted UI with ?code=&state=: redeems the code (PKCE). Returns an error message, or null. */
export async function handleRedirect() {
  if (!COGNITO) return null;
  const query = new URLSearchParams(location.search);
  if (!query.get('code') && !query.get('error')) return null;
  history.replaceState(null, '', location.pathname + location.hash);
  const expected = sessionStorage.getItem(STATE_KEY);
  const verifier = sessionStorage.getItem(VERIFIER_KEY) || '';
  sessionStorage.removeItem(STATE_KEY);
  sessionStorage.removeItem(VERIFIER_KEY);
  if (query.get('error')) return `Sign-in failed: ${query.get('error_description') || query.get('error')}`;
  if (!expected || query.get('state') !== expected) return 'Sign-in failed: the answer did not match the request.';
  const answer = await fetch(`${COGNITO}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: query.get('code'),
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }),
  });
  if (!answer.ok) return 'Sign-in failed: the sign-in service refused the code.';
  sessionStorage.setItem(TOKEN_KEY, (await answer.json()).access_token);
  return null;
}

/** The local cloud's sign-in: real tokens of the local user pool, for a user in privacy-admin if asked. */
export async function localSignIn(username, operator) {
  const answer = await fetch(`${API}/_local/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, groups: operator ? ['privacy-admin'] : [] }),
  });
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok || !data.access_token) throw new Error(data.message || 'Sign-in failed.');
  sessionStorage.setItem(TOKEN_KEY, data.access_token);
}

/** Forgets the token; with the hosted UI, ends its session too (and comes back here). Returns true if leaving. */
export function signOut() {
  forget();
  if (!COGNITO) return false;
  location.assign(`${COGNITO}/logout?${new URLSearchParams({ client_id: config.clientId, logout_uri: REDIRECT })}`);
  return true;
}
