"""HTTP schemas of the platform routes (api/routes/platform.py)."""

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    status: str


class WhoAmI(BaseModel):
    subject_id: str
    groups: list[str]
    scopes: list[str]


class SigningKeyOut(BaseModel):
    key_id: str
    algorithm: Literal["ECDSA_SHA_256"]
    public_key_pem: str
