/* Offline verification of what the service signed (deletion certificates, audit chain heads), in the browser with
 * WebCrypto, as docs/verify-certificate.md does it in Python:
 *   1. the signature (KMS ECDSA_SHA_256: ECDSA on P-256 over SHA-256, DER-encoded, base64) verifies over the exact
 *      UTF-8 bytes of `signed_message` with the published key (GET /.well-known/privacy-signing-key, PEM/SPKI);
 *   2. `signed_message` parses to exactly the certificate shown.
 * WebCrypto wants the signature as IEEE P1363 (r || s, 32 bytes each), so the DER SEQUENCE of two INTEGERs is
 * unpacked first. Nothing here trusts the service's own verdict.
 */

const ALGORITHM = 'ECDSA_SHA_256';
const SIZE = 32; // bytes of r and of s on P-256

function base64Bytes(text) {
  const binary = atob(text.replace(/\s+/g, ''));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function spkiOfPem(pem) {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '');
  return base64Bytes(body);
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` → r || s, each left-padded to 32 bytes. Throws on anything else. */
export function p1363OfDer(der) {
  let at = 0;
  const length = () => {
    let value = der[at++];
    if (value & 0x80) {
      const bytes = value & 0x7f;
      if (bytes < 1 || bytes > 2) throw new Error('bad DER length');
      value = 0;
      for (let i = 0; i < bytes; i++) value = (value << 8) | der[at++];
    }
    return value;
  };
  if (der[at++] !== 0x30) throw new Error('not a DER sequence');
  if (length() !== der.length - at) throw new Error('bad DER sequence length');
  const raw = new Uint8Array(2 * SIZE);
  for (const offset of [0, SIZE]) {
    if (der[at++] !== 0x02) throw new Error('not a DER integer');
    const size = length();
    let bytes = der.slice(at, at + size);
    at += size;
    while (bytes.length > SIZE && bytes[0] === 0) bytes = bytes.slice(1);
    if (bytes.length > SIZE || bytes.length === 0) throw new Error('integer too long for P-256');
    raw.set(bytes, offset + SIZE - bytes.length);
  }
  if (at !== der.length) throw new Error('trailing bytes after the signature');
  return raw;
}

export async function importKey(pem) {
  return crypto.subtle.importKey('spki', spkiOfPem(pem), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
}

/** True if `signatureB64` (DER, base64) is the key's signature of the UTF-8 bytes of `message`. */
export async function signatureHolds(key, signatureB64, message) {
  let raw;
  try {
    raw = p1363OfDer(base64Bytes(signatureB64));
  } catch {
    return false; // not even a well-formed signature
  }
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, new TextEncoder().encode(message));
}

function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
}

const keyName = (arn) => String(arn || '').split('/').pop();

/**
 * Checks a signed document ({signed_message, signature, signing_algorithm, signing_key_id} and, for a certificate,
 * `certificate`) against the published key. Returns {ok: true} or {ok: false, problem: what failed, in words}.
 */
export async function verifySigned(publishedKey, signed, { body } = {}) {
  if (!signed.signature) return { ok: false, problem: 'The document carries no signature.' };
  if (publishedKey.algorithm !== ALGORITHM || signed.signing_algorithm !== ALGORITHM) {
    return {
      ok: false,
      problem: `Unexpected algorithm: the key is ${publishedKey.algorithm}, the signature ${signed.signing_algorithm}; expected ${ALGORITHM}.`,
    };
  }
  if (signed.signing_key_id && keyName(signed.signing_key_id) !== keyName(publishedKey.key_id)) {
    return { ok: false, problem: `Signed by key ${keyName(signed.signing_key_id)}, not by the published key ${keyName(publishedKey.key_id)}.` };
  }
  let key;
  try {
    key = await importKey(publishedKey.public_key_pem);
  } catch {
    return { ok: false, problem: 'The published key is not a P-256 public key this browser can read.' };
  }
  if (!(await signatureHolds(key, signed.signature, signed.signed_message))) {
    return {
      ok: false,
      problem: 'The signature does not match the signed message: the message or the signature was changed, or another key signed it.',
    };
  }
  if (body !== undefined) {
    let parsed;
    try {
      parsed = JSON.parse(signed.signed_message);
    } catch {
      return { ok: false, problem: 'The signed message is not JSON.' };
    }
    if (!sameJson(parsed, body)) {
      return { ok: false, problem: 'The certificate shown is not the one that was signed (the signature holds for another text).' };
    }
  }
  return { ok: true };
}

let published = null;
/** The service's public key, fetched once per page (GET /.well-known/privacy-signing-key needs no token). */
export async function publishedKey(fetchKey) {
  published ||= fetchKey().catch((error) => {
    published = null;
    throw error;
  });
  return published;
}
