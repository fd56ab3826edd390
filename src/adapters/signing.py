"""Signatures with the KMS asymmetric key (ECC_NIST_P256): deletion certificates a regulator can verify offline.

KMS signs a RAW message of at most 4,096 bytes, and a certificate grows with the categories it counts; so the
message's SHA-256 is computed here and signed as a DIGEST. For ECDSA_SHA_256 that is the very signature KMS makes
of the RAW message (it hashes it with SHA-256 first), so a verifier checks it against the message as before.
"""

import base64
import hashlib
from collections.abc import Callable

from adapters.aws import client


def kms_signer(key_id: str) -> Callable[[bytes], dict[str, str]]:
    def sign(message: bytes) -> dict[str, str]:
        answer = client("kms").sign(
            KeyId=key_id,
            Message=hashlib.sha256(message).digest(),
            MessageType="DIGEST",
            SigningAlgorithm="ECDSA_SHA_256",
        )
        return {
            "signature": base64.b64encode(answer["Signature"]).decode(),
            "signing_key_id": answer["KeyId"],
            "signing_algorithm": "ECDSA_SHA_256",
        }

    return sign


def public_key_pem(key_id: str) -> str:
    der = client("kms").get_public_key(KeyId=key_id)["PublicKey"]
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"
