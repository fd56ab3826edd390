"""What the emulator adds to moto's KMS `Sign`, in this process: the two message types as AWS handles them.

moto ignores `MessageType`: it signs whatever `Message` holds as a RAW message of any size. AWS refuses a RAW message
over 4,096 bytes, and signs a `DIGEST` message (the 32-byte SHA-256 for ECDSA_SHA_256) as the hash it is, giving
the signature a verifier checks against the original message. Without this, code that signs large messages RAW
would pass every local test and fail in AWS, and code that signs digests would make signatures no verifier accepts.
"""

import base64
import json
from typing import Any

RAW_MESSAGE_LIMIT = 4096  # bytes: KMS Sign's limit for MessageType RAW
_DIGEST_BYTES = {"ECDSA_SHA_256": 32, "ECDSA_SHA_384": 48, "ECDSA_SHA_512": 64}


def sign_as_aws() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    from moto.kms.exceptions import ValidationException
    from moto.kms.responses import KmsResponse
    from moto.kms.utils import ECDSAPrivateKey

    if getattr(KmsResponse.sign, "_as_aws", False):
        return
    original = KmsResponse.sign
    hash_of = {"ECDSA_SHA_256": hashes.SHA256(), "ECDSA_SHA_384": hashes.SHA384(), "ECDSA_SHA_512": hashes.SHA512()}

    def sign(self: Any) -> str:
        message = self._get_param("Message") or b""  # moto decodes the blob
        message_type = self._get_param("MessageType") or "RAW"
        algorithm = self._get_param("SigningAlgorithm")
        if message_type == "RAW":
            if len(message) > RAW_MESSAGE_LIMIT:
                raise ValidationException(
                    "1 validation error detected: Value at 'Message' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {RAW_MESSAGE_LIMIT}"
                )
            return str(original(self))
        key = self.kms_backend.describe_key(self._get_param("KeyId"))
        if not isinstance(key.private_key, ECDSAPrivateKey) or algorithm not in _DIGEST_BYTES:
            raise ValidationException("The local cloud signs DIGEST messages only with ECDSA keys")
        if len(message) != _DIGEST_BYTES[algorithm]:
            raise ValidationException(f"Digest is invalid length for algorithm {algorithm}.")
        signature = key.private_key.private_key.sign(message, ec.ECDSA(utils.Prehashed(hash_of[algorithm])))
        return json.dumps(
            {"KeyId": key.arn, "Signature": base64.b64encode(signature).decode(), "SigningAlgorithm": algorithm}
        )

    sign._as_aws = True  # type: ignore[attr-defined]
    KmsResponse.sign = sign  # type: ignore[method-assign]
