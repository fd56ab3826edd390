/* Intake of a request received by e-mail (POST /admin/requests) and legal holds (/admin/subjects/{id}/holds). */
import { api } from './session.js';
import { $, TYPES, confirmAction, el, oneAtATime, report, say, shortId, timeEl, when } from './ui.js';

// ---------------------------------------------------------------- intake
function verification() {
  const chosen = document.querySelector('input[name="verification"]:checked');
  const note = $('intake-note').value.trim();
  if (chosen.value === 'Other') return note;
  return note ? `${chosen.value}: ${note}` : chosen.value;
}

function recordRequest(event) {
  event.preventDefault();
  // A second press while the request is asked for or sent records nothing more.
  return oneAtATime($('intake-form'), recordOnce);
}

async function recordOnce() {
  const body = {
    subject_id: $('intake-subject').value.trim(),
    type: document.querySelector('input[name="type"]:checked').value,
    format: $('intake-format').value,
    verified_by: verification(),
  };
  const yes = await confirmAction(
    'Record this request?',
    `A ${TYPES[body.type].toLowerCase()} request (${body.format.toUpperCase()}) for subject ${body.subject_id || '(none given)'} ` +
      `joins the queue with its legal deadline counted from now under the rule of the subject's country, and the export starts. ` +
      `Verification recorded with it: “${body.verified_by || '(none given)'}”.`,
    'Yes, record it',
  );
  if (!yes) return say('Nothing was recorded.');
  try {
    const request = await api('POST', '/admin/requests', body);
    const result = $('intake-result');
    result.replaceChildren(
      `Recorded: ${TYPES[request.type]} request `,
      el('a', { href: `#/requests/${request.request_id}`, text: shortId(request.request_id) }),
      ', due ',
      timeEl(request.due_at),
      '.',
    );
    result.hidden = false;
    say(`The request is recorded (${shortId(request.request_id)}), due ${when(request.due_at)}.`);
    $('intake-form').reset();
  } catch (error) {
    report(error);
  }
}

// ---------------------------------------------------------------- legal holds
let holdsSubject = null;

async function listHolds(subjectId) {
  const { items } = await api('GET', `/admin/subjects/${encodeURIComponent(subjectId)}/holds`);
  holdsSubject = subjectId;
  $('holds-list-title').textContent = `Holds of subject ${subjectId} that have not ended`;
  $('holds-rows').replaceChildren(
    ...items.map((hold) =>
      el(
        'tr',
        {},
        el('td', { text: hold.category }),
        el('td', {}, timeEl(hold.until)),
        el('td', { text: hold.reason }),
        el('td', {}, timeEl(hold.placed_at)),
        el('td', {}, el('code', { text: hold.placed_by })),
        el(
          'td',
          {},
          el(
            'button',
            { type: 'button', class: 'secondary small', 'data-category': hold.category, 'data-until': hold.until },
            'Lift',
            el('span', { class: 'visually-hidden', text: ` the hold on ${hold.category}` }),
            '…',
          ),
        ),
      ),
    ),
  );
  $('holds-empty').hidden = items.length > 0;
  $('holds-table').hidden = items.length === 0;
  $('holds-of').hidden = false;
  return items;
}

async function findHolds(event) {
  event.preventDefault();
  const subject = $('holds-subject').value.trim();
  if (!subject) return report(new Error('Enter the subject id whose holds you want to see.'));
  try {
    const items = await listHolds(subject);
    say(`${items.length} ${items.length === 1 ? 'hold' : 'holds'} on this subject.`);
  } catch (error) {
    $('holds-of').hidden = true;
    report(error);
  }
}

function placeHold(event) {
  event.preventDefault();
  return oneAtATime($('screen-holds'), placeOnce);
}

async function placeOnce() {
  const date = $('hold-until').value;
  const body = {
    category: $('hold-category').value.trim(),
    until: date ? `${date}T23:59:59Z` : '',
    reason: $('hold-reason').value.trim(),
  };
  const yes = await confirmAction(
    'Place this legal hold?',
    `The ${body.category || '(no category)'} records of subject ${holdsSubject} will be kept past the subject's erasure ` +
      `until the end of ${date || '(no date)'} (UTC). The reason stays on the hold and is not written to the audit trail; ` +
      'placing a hold on a category that has one replaces its end and reason.',
    'Yes, place the hold',
  );
  if (!yes) return say('No hold was placed.');
  try {
    const hold = await api('POST', `/admin/subjects/${encodeURIComponent(holdsSubject)}/holds`, body);
    await listHolds(holdsSubject);
    $('hold-form').reset();
    say(`Hold placed on ${hold.category} until ${when(hold.until)}.`);
  } catch (error) {
    report(error);
  }
}

function liftHold(event) {
  const button = event.target.closest('button[data-category]');
  if (!button) return undefined;
  return oneAtATime($('screen-holds'), () => liftOnce(button.dataset));
}

async function liftOnce({ category, until }) {
  const yes = await confirmAction(
    'Lift this legal hold?',
    `The hold on the ${category} records of subject ${holdsSubject} (until ${when(until)}) ends now: a later erasure ` +
      'deletes those records. Records a purge has already set aside stay set aside until the hold’s original end.',
    'Yes, lift the hold',
  );
  if (!yes) return say('The hold stays in place.');
  try {
    await api('DELETE', `/admin/subjects/${encodeURIComponent(holdsSubject)}/holds/${encodeURIComponent(category)}`);
    await listHolds(holdsSubject);
    say(`The hold on ${category} is lifted.`);
    $('holds-list-title').setAttribute('tabindex', '-1');
    $('holds-list-title').focus();
  } catch (error) {
    report(error);
  }
}

export function wireForms() {
  $('intake-form').addEventListener('submit', recordRequest);
  $('holds-find').addEventListener('submit', findHolds);
  $('hold-form').addEventListener('submit', placeHold);
  $('holds-rows').addEventListener('click', liftHold);
}
