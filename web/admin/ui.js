/* Small DOM helpers shared by the console's screens: elements, announcements, the confirmation dialog, formats. */

export const $ = (id) => document.getElementById(id);
export const DAY = 86_400_000;

export function el(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value == null) continue;
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...kids.filter((kid) => kid != null && kid !== false));
  return node;
}

/** Announces what happened (a polite live region); clears any error shown before. */
export function say(message) {
  $('alert').replaceChildren();
  $('status').textContent = '';
  // Set on the next frame: the same message twice is announced twice.
  requestAnimationFrame(() => ($('status').textContent = message));
}

/** Shows an error (an assertive live region), with the API's message and the fields it names. */
export function complain(message, details = []) {
  $('status').textContent = '';
  // replaceChildren writes a null as the text "null": only the nodes there are.
  const shown = [el('p', { text: message })];
  if (details.length) shown.push(el('ul', {}, ...details.map((d) => el('li', { text: d }))));
  $('alert').replaceChildren(...shown);
}

export function report(error) {
  if (error && error.handled) return;
  if (!(error && 'status' in error)) console.error(error);
  const message = error && error.message ? error.message : 'Something went wrong. Please try again.';
  complain(message, (error && error.details) || []);
}

export function clearMessages() {
  $('status').textContent = '';
  $('alert').replaceChildren();
}

// ---------------------------------------------------------------- confirmation
/** Says what will happen and waits for the operator: resolves true (confirmed) or false (cancelled, Escape). */
export function confirmAction(title, text, yesLabel) {
  const dialog = $('confirm');
  const opener = document.activeElement;
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-yes').textContent = yesLabel;
  return new Promise((resolve) => {
    const done = (answer) => {
      $('confirm-yes').removeEventListener('click', yes);
      $('confirm-no').removeEventListener('click', no);
      dialog.removeEventListener('cancel', cancel);
      dialog.close();
      if (opener && opener.isConnected) opener.focus();
      resolve(answer);
    };
    const yes = () => done(true);
    const no = () => done(false);
    const cancel = (event) => {
      event.preventDefault();
      done(false);
    };
    $('confirm-yes').addEventListener('click', yes);
    $('confirm-no').addEventListener('click', no);
    dialog.addEventListener('cancel', cancel);
    dialog.showModal();
    $('confirm-no').focus(); // the safe choice has focus: Enter alone never changes anything
  });
}

// ---------------------------------------------------------------- one action at a time
const busy = new WeakSet();

/**
 * Runs `work` (a confirmation, then its call) unless work started in `scope` is still under way: a second press while
 * the first is asked or sent does nothing, so a double submit never sends two calls. The scope's buttons say so with
 * aria-disabled meanwhile (not `disabled`, which would take the focus away from the button just pressed).
 */
export async function oneAtATime(scope, work) {
  if (busy.has(scope)) return undefined;
  busy.add(scope);
  for (const button of scope.querySelectorAll('button')) button.setAttribute('aria-disabled', 'true');
  try {
    return await work();
  } finally {
    busy.delete(scope);
    for (const button of scope.querySelectorAll('button')) button.removeAttribute('aria-disabled');
  }
}

// ---------------------------------------------------------------- formats
const UTC = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const UTC_DATE = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
export const when = (iso) => (iso ? `${UTC.format(new Date(iso))} UTC` : '—');
export const day = (iso) => (iso ? UTC_DATE.format(new Date(iso)) : '—');
export const timeEl = (iso, text = when(iso)) => (iso ? el('time', { datetime: iso, text }) : '—');

export const TYPES = {
  access: 'Access',
  portability: 'Portability',
  erasure: 'Erasure',
  restriction: 'Restriction',
  objection: 'Objection',
  rectification: 'Rectification',
};
export const ORIGINS = {
  subject: 'Subject (privacy center)',
  admin: 'E-mail (recorded by an operator)',
  parent: 'Parent or guardian',
  system: 'System (inactivity)',
};
export const STATUSES = {
  received: 'Received',
  in_progress: 'In progress',
  completed: 'Completed',
  failed: 'Failed',
  rejected: 'Rejected',
  expired: 'Expired',
};
// Not done, so overdue once past due (the service's UNFINISHED_STATUSES): a failed request too, until an operator
// closes it.
export const UNFINISHED = ['received', 'in_progress', 'failed'];

/**
 * Where a request stands against its deadline at `nowMs` (the server's time):
 * {kind: 'overdue'|'soon'|'ok'|'closed', text}. Overdue and soon (due within 3 days) say so in words, not only colour.
 */
export function deadline(request, nowMs) {
  if (!UNFINISHED.includes(request.status)) return { kind: 'closed', flag: null, text: 'Closed' };
  const left = Date.parse(request.due_at) - nowMs;
  if (left < 0) {
    const days = Math.ceil(-left / DAY);
    return { kind: 'overdue', flag: 'Overdue', text: `by ${days} ${days === 1 ? 'day' : 'days'}` };
  }
  const days = Math.floor(left / DAY);
  const text = days === 0 ? 'less than a day left' : `${days} ${days === 1 ? 'day' : 'days'} left`;
  return left <= 3 * DAY ? { kind: 'soon', flag: 'Due soon', text } : { kind: 'ok', flag: null, text };
}

/** The deadline as nodes: a flag word ("Overdue", "Due soon") when there is one, then the days. */
export function flagged(state) {
  return state.flag ? [el('strong', { class: `flag ${state.kind}`, text: state.flag }), ` ${state.text}`] : [state.text];
}

export function deadlineCell(request, nowMs) {
  const state = deadline(request, nowMs);
  return el('td', {}, ...flagged(state));
}

export const shortId = (id) => id.slice(0, 8);

/** A definition list from [term, value] pairs; a value may be a node. */
export function facts(list, pairs) {
  list.replaceChildren(
    ...pairs.filter(([, value]) => value !== undefined).flatMap(([term, value]) => [
      el('dt', { text: term }),
      el('dd', {}, value == null || value === '' ? '—' : value),
    ]),
  );
}

/** An audit record's details as "key: value" items; a certificate id links to the certificate. */
export function detailsOf(details) {
  const entries = Object.entries(details || {});
  if (!entries.length) return '—';
  return el(
    'ul',
    { class: 'details' },
    ...entries.map(([key, value]) =>
      key === 'certificate_id' && /^[0-9a-f]{32}$/.test(String(value))
        ? el('li', {}, `${key}: `, el('a', { href: `#/certificates/${value}`, text: String(value) }))
        : el('li', { text: `${key}: ${Array.isArray(value) ? value.join(', ') || 'none' : value}` }),
    ),
  );
}

/** An audit record as a table row: sequence, time, action, actor, the request it is about (a link; only in a table
 * of a whole chain, `withRequest`), details. */
export function auditRow(record, { withRequest = false } = {}) {
  const request = record.request_id ? el('a', { href: `#/requests/${record.request_id}`, text: shortId(record.request_id) }) : '—';
  return el(
    'tr',
    {},
    el('td', { text: String(record.sequence) }),
    el('td', {}, timeEl(record.at)),
    el('td', { text: record.action }),
    el('td', { text: record.actor }),
    withRequest && el('td', {}, request),
    el('td', {}, detailsOf(record.details)),
  );
}
