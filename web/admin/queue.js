/* The request queue: GET /admin/requests (one status per call, soonest due first, paged by `next`).
 *
 * "Unfinished" is the statuses the service counts as not done, and reports daily once past due (domain
 * UNFINISHED_STATUSES): received, in progress, and failed until an operator closes it. Their pages are merged by due
 * date, taking a request only while every status that has more has a loaded one to compare with, so the merged list
 * is in order across pages too.
 * Type and "due within N days" filter what the pages hold: since they come soonest due first, the first request past
 * the horizon ends the list.
 */
import { api, clockNote, now, syncClock } from './session.js';
import { $, DAY, ORIGINS, STATUSES, TYPES, UNFINISHED, deadline, deadlineCell, el, report, shortId, timeEl } from './ui.js';

const PAGE = 25; // rows shown per "Show more"
const FETCH = 50; // requests asked per call
const MAX_CALLS = 20; // per "Show more": a filter that matches little must not page through everything at once

// One listing per "Apply filters" (or sign-in). A newer listing makes an older one stale: a reload that is still
// fetching when the operator applies new filters must neither take from the new listing's pages nor draw its rows.
let current = null;

function filters() {
  const within = $('filter-within').value.trim();
  return {
    status: $('filter-status').value,
    type: $('filter-type').value,
    overdue: $('filter-overdue').checked,
    within: within === '' ? null : Math.max(0, Number(within)),
  };
}

async function fetchPage(listing, stream) {
  const params = new URLSearchParams({ status: stream.status, limit: String(FETCH) });
  if (listing.query.overdue) params.set('overdue', 'true');
  if (stream.cursor) params.set('cursor', stream.cursor);
  const page = await api('GET', `/admin/requests?${params}`);
  stream.buffer.push(...page.items);
  stream.cursor = page.next;
  stream.done = !page.next;
}

async function take(listing, count) {
  const { query, streams } = listing;
  const rows = [];
  const horizon = query.within == null ? null : now() + query.within * DAY;
  let calls = 0;
  while (rows.length < count) {
    const starving = streams.filter((s) => !s.buffer.length && !s.done);
    if (starving.length && calls >= MAX_CALLS) return { rows, more: true };
    for (const stream of starving) {
      calls += 1;
      await fetchPage(listing, stream);
      if (listing !== current) return { rows: [], more: false, stale: true };
    }
    if (streams.some((s) => !s.buffer.length && !s.done)) continue; // a page of nothing (e.g. expired): ask again
    const live = streams.filter((s) => s.buffer.length);
    if (!live.length) break;
    const next = live.reduce((a, b) => (Date.parse(b.buffer[0].due_at) < Date.parse(a.buffer[0].due_at) ? b : a));
    const request = next.buffer.shift();
    if (horizon != null && Date.parse(request.due_at) > horizon) {
      listing.ended = true;
      break;
    }
    if (!query.type || request.type === query.type) rows.push(request);
  }
  return { rows, more: !listing.ended && streams.some((s) => s.buffer.length || !s.done) };
}

/** A failed request waits for an operator (to close it with a reason): said in words, not only by its place. */
function statusCell(request) {
  if (request.status !== 'failed') return el('td', { text: STATUSES[request.status] || request.status });
  return el('td', {}, el('strong', { class: 'flag bad', text: 'Failed' }), ' needs an operator');
}

function row(request) {
  const state = deadline(request, now());
  const pending = request.systems_pending.length ? request.systems_pending.join(', ') : 'None';
  return el(
    'tr',
    { class: state.kind === 'overdue' || state.kind === 'soon' ? state.kind : null, 'data-request': request.request_id },
    el(
      'td',
      {},
      el(
        'a',
        { href: `#/requests/${request.request_id}` },
        el('span', { class: 'visually-hidden', text: `${TYPES[request.type]} request ` }),
        shortId(request.request_id),
      ),
    ),
    el('td', { text: TYPES[request.type] || request.type }),
    el('td', { text: ORIGINS[request.origin] || request.origin }),
    statusCell(request),
    el('td', {}, timeEl(request.due_at)),
    deadlineCell(request, now()),
    el('td', { text: request.extended ? 'Extended' : 'No' }),
    el('td', { text: pending }),
  );
}

async function more(listing, reset) {
  const button = $('queue-more');
  button.disabled = true;
  try {
    const { rows, more: hasMore, stale } = await take(listing, PAGE);
    if (stale) return [];
    const made = rows.map(row);
    if (reset) $('queue-rows').replaceChildren(...made);
    else $('queue-rows').append(...made);
    const shown = $('queue-rows').children.length;
    $('queue-empty').hidden = shown > 0;
    $('queue-table').hidden = shown === 0;
    button.hidden = !hasMore;
    $('queue-caption').textContent = `Requests, soonest due first: ${shown} shown${hasMore ? ', more to load' : ''}`;
    return made;
  } finally {
    if (listing === current) button.disabled = false;
  }
}

export async function loadQueue() {
  const query = filters();
  const listing = {
    query,
    streams: (query.status === 'unfinished' ? UNFINISHED : [query.status]).map((status) => ({
      status,
      cursor: null,
      buffer: [],
      done: false,
    })),
    ended: false,
  };
  current = listing;
  // Busy until the newest listing's rows are in: assistive technology (and tests) wait for the list to settle.
  $('queue-table').setAttribute('aria-busy', 'true');
  try {
    await syncClock();
    if (listing !== current) return;
    $('queue-clock').textContent = clockNote();
    await more(listing, true);
  } finally {
    if (listing === current) $('queue-table').removeAttribute('aria-busy');
  }
}

export function wireQueue() {
  $('queue-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadQueue().catch(report);
  });
  $('queue-more').addEventListener('click', async () => {
    try {
      const made = await more(current, false);
      // Keyboard users continue where the new rows start.
      if (made.length) made[0].querySelector('a').focus();
    } catch (error) {
      report(error);
    }
  });
}
