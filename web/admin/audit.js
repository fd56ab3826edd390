/* A subject's audit chain (GET /admin/audit/{pseudonym}: the service's verification, links and write-once anchors,
 * and its signed head, checked here again with the published key) and deletion certificates
 * (GET /admin/certificates/{id}), verified in this browser. */
import { api } from './session.js';
import { $, auditRow, el, facts, report, say, shortId, timeEl } from './ui.js';
import { publishedKey, verifySigned } from './verify.js';

const PSEUDONYM = /^[0-9a-f]{64}$/;
const CERTIFICATE = /^[0-9a-f]{32}$/;
const CHECKS = {
  sequence_gap: 'a record is missing from the sequence',
  link_mismatch: "a record does not hold its predecessor's hash",
  content_mismatch: 'a record was changed after it was written',
  missing_anchored_record: 'records that were anchored are gone from the chain',
  anchor_mismatch: 'a record differs from its write-once anchor',
};

const signingKey = () => publishedKey(() => api('GET', '/.well-known/privacy-signing-key', undefined, { anonymous: true }));

function verdict(node, ok, text) {
  node.className = `verdict ${ok ? 'good' : 'bad'}`;
  node.replaceChildren(el('strong', { class: `flag ${ok ? 'good' : 'bad'}`, text: ok ? 'Verified' : 'Failed' }), text);
}

function anchorsText(v) {
  const through = v.anchored_through || 0;
  if (!v.length) return 'No records.';
  if (through >= v.length) return `All ${v.length} records are anchored in the write-once store.`;
  if (!through) return `No record is anchored yet: the ${v.length} records are checked by their links alone.`;
  return `Records 1–${through} are anchored in the write-once store; ${through + 1}–${v.length}, written in the last seconds, are checked by their links alone.`;
}

// What the signed head states, against the chain shown: a genuine signature about another chain (another subject,
// or this one before records were added) proves nothing about this one.
const HEAD_FACTS = [
  ['subject', 'subject', (chain) => chain.subject],
  ['length', 'number of records', (chain) => chain.verification.length],
  ['head_hash', 'head hash', (chain) => chain.verification.head_hash],
  ['valid', 'verdict', (chain) => chain.verification.valid],
  ['anchored_through', 'anchored records', (chain) => chain.verification.anchored_through],
];

function headDifferences(chain, message) {
  let statement;
  try {
    statement = JSON.parse(message);
  } catch {
    return ['the signed message is not JSON'];
  }
  if (!statement || typeof statement !== 'object') return ['the signed message is not a statement'];
  return HEAD_FACTS.filter(([key, , shown]) => (statement[key] ?? null) !== (shown(chain) ?? null)).map(
    ([key, name, shown]) => `${name}: signed ${JSON.stringify(statement[key] ?? null)}, shown ${JSON.stringify(shown(chain) ?? null)}`,
  );
}

async function headText(chain) {
  if (!chain.head_signature) return 'Not signed (the chain is empty, or no signing key is configured).';
  const result = await verifySigned(await signingKey(), chain.head_signature);
  if (!result.ok) return `Signature FAILED: ${result.problem}`;
  const differences = headDifferences(chain, chain.head_signature.signed_message);
  if (differences.length) {
    return `NOT a statement about this chain: the signature holds, but what it signed differs from the chain shown (${differences.join('; ')}).`;
  }
  return 'Signature verified offline in this browser with the published key; it states this chain: its subject, records, head hash, verdict and anchors.';
}

export async function showChain(pseudonym) {
  $('audit-pseudonym').value = pseudonym;
  if (!PSEUDONYM.test(pseudonym)) {
    $('audit-result').hidden = true;
    return report(new Error('A pseudonym is 64 hexadecimal characters (0-9, a-f).'));
  }
  const chain = await api('GET', `/admin/audit/${pseudonym}`);
  const v = chain.verification;
  verdict(
    $('audit-verdict'),
    v.valid,
    v.valid
      ? ` The chain of ${v.length} records verifies; every link holds and every anchored record is in it unchanged.`
      : ` The chain does NOT verify: ${CHECKS[v.failed_check] || v.reason || 'it is broken'}${v.broken_at != null ? ` (record ${v.broken_at})` : ''}.`,
  );
  facts($('audit-facts'), [
    ['Subject pseudonym', el('code', { text: chain.subject })],
    ['Records', String(v.length)],
    ['Head hash', v.head_hash ? el('code', { text: v.head_hash }) : null],
    ['Anchors', anchorsText(v)],
    ['Failed check', v.failed_check ? `${v.failed_check}: ${v.reason || ''}` : undefined],
    ['Signed head', await headText(chain)],
  ]);
  $('audit-rows').replaceChildren(...chain.records.map((record) => auditRow(record, { withRequest: true })));
  $('audit-result').hidden = false;
  say(v.valid ? `The chain verifies (${v.length} records).` : 'The chain does NOT verify.');
}

function certificateFacts(certificate) {
  const known = ['certificate_id', 'subject', 'purged_at', 'reason', 'deleted_counts', 'held'];
  const counts = certificate.deleted_counts || {};
  const held = Array.isArray(certificate.held) ? certificate.held : [];
  const others = Object.keys(certificate).filter((key) => !known.includes(key));
  return [
    ['Certificate id', el('code', { text: certificate.certificate_id })],
    ['Subject pseudonym', certificate.subject ? el('a', { href: `#/audit/${certificate.subject}` }, el('code', { text: certificate.subject })) : null],
    ['Purged', timeEl(certificate.purged_at)],
    ['Reason', certificate.reason],
    [
      'Deleted',
      Object.keys(counts).length ? el('ul', { class: 'details' }, ...Object.entries(counts).map(([k, n]) => el('li', { text: `${k}: ${n}` }))) : 'Nothing',
    ],
    [
      'Kept under a legal basis',
      held.length
        ? el('ul', { class: 'details' }, ...held.map((h) => el('li', { text: typeof h === 'string' ? h : Object.entries(h).map(([k, x]) => `${k}: ${x}`).join('; ') })))
        : 'Nothing',
    ],
    ...others.map((key) => {
      const value = certificate[key];
      return [key, value == null ? null : typeof value === 'object' ? JSON.stringify(value) : String(value)];
    }),
  ];
}

let saved = null;

export async function showCertificate(id) {
  $('certificate-title').textContent = `Deletion certificate ${shortId(id)}`;
  $('certificate-verdict').replaceChildren();
  $('certificate-verdict').className = 'verdict';
  $('certificate-facts').replaceChildren();
  if (!CERTIFICATE.test(id)) return report(new Error('A certificate id is 32 hexadecimal characters (0-9, a-f).'));
  const [signed, key] = await Promise.all([api('GET', `/admin/certificates/${id}`), signingKey()]);
  const signature = await verifySigned(key, signed, { body: signed.certificate });
  // A genuine certificate answered for another id proves nothing about the one opened.
  const shownId = signed.certificate && signed.certificate.certificate_id;
  const result =
    signature.ok && shownId !== id
      ? { ok: false, problem: `The signature holds, but for certificate ${shownId}, not for the certificate ${id} that was opened.` }
      : signature;
  verdict(
    $('certificate-verdict'),
    result.ok,
    result.ok
      ? ` offline: the signature was checked in this browser with the published key ${String(key.key_id).split('/').pop()}, and the certificate shown is exactly what was signed, under the id opened.`
      : ` ${result.problem}`,
  );
  facts($('certificate-facts'), certificateFacts(signed.certificate));
  const link = $('certificate-save');
  if (saved) URL.revokeObjectURL(saved);
  saved = URL.createObjectURL(new Blob([JSON.stringify(signed, null, 2)], { type: 'application/json' }));
  link.href = saved;
  link.download = `certificate-${id}.json`;
  say(result.ok ? 'Certificate verified offline.' : 'Certificate verification FAILED.');
}

export function wireAudit(go) {
  $('audit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('audit-pseudonym').value.trim().toLowerCase();
    if (location.hash === `#/audit/${value}`) showChain(value).catch(report);
    else go(`#/audit/${value}`);
  });
  $('certificate-form').addEventListener('submit', (event) => {
    event.preventDefault();
    go(`#/certificates/${$('certificate-id').value.trim().toLowerCase()}`);
  });
}
