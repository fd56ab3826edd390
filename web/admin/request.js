/* One request's page: its facts (never the subject's personal data: the API's request holds none), the operator's
 * actions (extend once, reject or close, a connected system done), each confirmed before and announced after, and
 * the audit records of this request from the subject's chain. */
import { api, now } from './session.js';
import {
  $,
  ORIGINS,
  STATUSES,
  TYPES,
  auditRow,
  confirmAction,
  deadline,
  el,
  facts,
  flagged,
  oneAtATime,
  report,
  say,
  shortId,
  timeEl,
  when,
} from './ui.js';

const OPEN = ['received', 'in_progress'];
// Names of the laws whose deadline rule the API applies (AdminRequestOut.jurisdiction); the rule itself, and what an
// extension does under it, comes from the API (AdminRequestOut.extension), never from here.
const LAWS = { gdpr: 'GDPR Art. 12(3)', ccpa: 'CCPA, Cal. Civ. Code § 1798.130' };
const NUMBERS = ['no', 'one', 'two', 'three'];
let current = null;

const lawOf = (request) => LAWS[request.jurisdiction] || String(request.jurisdiction || 'unknown').toUpperCase();
const count = (n, unit) => `${NUMBERS[n] || n} ${unit}${n === 1 ? '' : 's'}`;

/** "two months later, to 5 Apr 2027" (GDPR) or "45 days later, to 20 Mar 2027" (CCPA), as the API computed it. */
function extensionText({ months, days, due_at: dueAt }) {
  const period = [months ? count(months, 'month') : null, days ? count(days, 'day') : null].filter(Boolean).join(' and ');
  return `${period} later, to ${when(dueAt)}`;
}

function render(request) {
  current = request;
  const state = deadline(request, now());
  $('request-title').textContent = `${TYPES[request.type] || request.type} request ${shortId(request.request_id)}`;
  facts($('request-facts'), [
    ['Request id', el('code', { text: request.request_id })],
    ['Type', `${TYPES[request.type] || request.type}${request.type === 'erasure' ? '' : ` (${request.format.toUpperCase()})`}`],
    ['Status', STATUSES[request.status] || request.status],
    ['Arrived by', ORIGINS[request.origin] || request.origin],
    ['Verification', request.verified_by],
    ['Deadline rule', lawOf(request)],
    ['Received', timeEl(request.received_at)],
    ['Due', timeEl(request.due_at)],
    [
      'Deadline',
      el('span', {}, ...flagged(state)),
    ],
    ['Extended', request.extended ? `Yes: ${request.extension_reason || 'no reason recorded'}` : 'No'],
    ['Rejection reason', request.rejection_reason || undefined],
    ['Started', request.started_at ? timeEl(request.started_at) : undefined],
    ['Completed', request.completed_at ? timeEl(request.completed_at) : undefined],
    ['Export', request.export_ready ? `Ready to download until ${when(request.export_expires_at)}` : undefined],
    ['Permanent deletion', request.purge_at ? timeEl(request.purge_at) : undefined],
    ['Systems done', request.systems_done.length ? request.systems_done.join(', ') : undefined],
    ['Subject id', el('code', { text: request.subject_id })],
    ['Subject pseudonym', el('code', { text: request.subject_pseudonym })],
  ]);

  const open = OPEN.includes(request.status);
  const extendable = open && !request.extended && !!request.extension && state.kind !== 'overdue';
  $('extend-form').hidden = !extendable;
  $('extend-note').textContent = extendable
    ? `Once per request, before it is due: the deadline moves ${extensionText(request.extension)} (${lawOf(request)}). Tell the subject why before the current deadline.`
    : request.extended
      ? 'This request has been extended already: a request can be extended only once.'
      : open
        ? 'The deadline has passed: a request can be extended only before it is due.'
        : 'Only an open request can be extended.';

  const closable = open || request.status === 'failed';
  $('reject-form').hidden = !closable;
  $('reject-title').textContent = request.status === 'failed' ? 'Close the failed request' : 'Reject the request';
  $('reject-reason-label').textContent = request.status === 'failed' ? 'Reason for closing it' : 'Reason for the rejection';
  $('reject-submit').textContent = request.status === 'failed' ? 'Close the request…' : 'Reject the request…';
  $('reject-note').textContent = closable
    ? 'The request stops here and cannot be reopened. The reason is kept with it.'
    : `This request is ${(STATUSES[request.status] || request.status).toLowerCase()}: nothing left to reject.`;

  $('systems-none').hidden = request.systems_pending.length > 0;
  $('systems-list').replaceChildren(
    ...request.systems_pending.map((system) =>
      el(
        'li',
        {},
        el('span', { text: system }),
        el('button', { type: 'button', class: 'secondary small', 'data-system': system }, `Mark ${system} done…`),
      ),
    ),
  );
  $('request-chain-link').href = `#/audit/${request.subject_pseudonym}`;
}

async function loadAudit(request) {
  $('request-audit-chain').textContent = 'Loading the audit records…';
  const chain = await api('GET', `/admin/audit/${request.subject_pseudonym}`);
  const mine = chain.records.filter((record) => record.request_id === request.request_id);
  const v = chain.verification;
  $('request-audit-chain').textContent = v.valid
    ? `The subject's chain verifies (${v.length} records, ${v.anchored_through || 0} of them anchored so far); ${mine.length} of them are about this request.`
    : `The subject's chain does NOT verify (${v.failed_check || 'broken'} at record ${v.broken_at ?? '?'}): ${v.reason || ''}`;
  $('request-audit-rows').replaceChildren(...mine.map((record) => auditRow(record)));
}

let shown = 0; // the newest showRequest: an older one that answers late must not draw over it

export async function showRequest(requestId) {
  const mine = ++shown;
  // No action is offered until this request is loaded: acting on the previous page's request (or on none) is
  // exactly what an operator who clicks fast must not do.
  current = null;
  for (const id of ['extend-form', 'reject-form']) $(id).hidden = true;
  $('systems-list').replaceChildren();
  $('request-title').textContent = `Request ${shortId(requestId)}`;
  $('request-facts').replaceChildren();
  $('request-audit-rows').replaceChildren();
  const request = await api('GET', `/admin/requests/${encodeURIComponent(requestId)}`);
  if (mine !== shown) return;
  render(request);
  await loadAudit(request).catch((error) => {
    $('request-audit-chain').textContent = `The audit records could not be loaded: ${error.message}`;
  });
}

function act({ title, text, yes, call, done }) {
  if (!current) return undefined;
  // One action at a time on this page: the button pressed again while its call is under way sends nothing.
  return oneAtATime($('screen-request'), async () => {
    if (!(await confirmAction(title, text, yes))) return say('Nothing was changed.');
    try {
      const request = await call();
      render(request);
      say(done(request));
      const focused = document.activeElement;
      if (!focused || focused === document.body || focused.closest('[hidden]')) $('request-title').focus();
      await loadAudit(request).catch(() => {});
    } catch (error) {
      report(error);
    }
    return undefined;
  });
}

function reasonOf(id) {
  return $(id).value.trim();
}

export function wireRequest() {
  $('extend-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!current) return;
    const reason = reasonOf('extend-reason');
    const id = current.request_id;
    act({
      title: 'Extend the deadline?',
      text:
        `Request ${shortId(id)} is due ${when(current.due_at)}. Extending moves its deadline ${extensionText(current.extension)} ` +
        `(${lawOf(current)}). ` +
        `This can be done only once, and is recorded in the audit trail with the reason: “${reason}”.`,
      yes: 'Yes, extend the deadline',
      call: () => api('POST', `/admin/requests/${id}/extend`, { reason }),
      done: (request) => {
        $('extend-reason').value = '';
        return `Deadline extended: request ${shortId(id)} is now due ${when(request.due_at)}.`;
      },
    });
  });
  $('reject-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!current) return;
    const reason = reasonOf('reject-reason');
    const id = current.request_id;
    const failed = current.status === 'failed';
    act({
      title: failed ? 'Close the failed request?' : 'Reject the request?',
      text: failed
        ? `Request ${shortId(id)} failed. Closing it stops it being reported overdue; it cannot be reopened. Reason: “${reason}”.`
        : `Request ${shortId(id)} will be rejected and stop here; it cannot be reopened. Reason: “${reason}”.`,
      yes: failed ? 'Yes, close it' : 'Yes, reject it',
      call: () => api('POST', `/admin/requests/${id}/reject`, { reason }),
      done: () => {
        $('reject-reason').value = '';
        return failed ? `Request ${shortId(id)} is closed.` : `Request ${shortId(id)} is rejected.`;
      },
    });
  });
  $('systems-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-system]');
    if (!button || !current) return;
    const system = button.dataset.system;
    const id = current.request_id;
    act({
      title: `Mark ${system} done?`,
      text: `This records that ${system} finished its part of request ${shortId(id)}. It cannot be undone; once every system is done the request can complete.`,
      yes: `Yes, ${system} is done`,
      call: () => api('POST', `/admin/requests/${id}/systems/${encodeURIComponent(system)}/complete`),
      done: () => `${system} is marked done for request ${shortId(id)}.`,
    });
  });
}
