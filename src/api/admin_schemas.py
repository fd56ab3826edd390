"""HTTP schemas of the operator routes (handlers/admin_api.py): requests, legal holds, audit chains, certificates."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from api.subject_schemas import RequestOut
from domain.audit.model import AuditRecord, ChainVerification
from domain.deadlines import Jurisdiction
from domain.erasure.model import LegalHold
from domain.profile_changes import ProfilePatch
from domain.requests.model import DataRequest

Reason = Annotated[str, Field(min_length=3, max_length=500)]


class AdminRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_id: Annotated[str, Field(min_length=1, max_length=128)]
    type: Literal["access", "portability", "rectification"]
    format: Literal["json", "csv"] = "json"
    verified_by: Annotated[
        str, Field(min_length=3, max_length=200, description="How the sender's identity was checked")
    ]
    changes: Annotated[
        ProfilePatch | None,
        Field(
            validate_default=True,
            description="Rectification only, and required for it: the corrections, with the rules of PATCH /me. "
            "Applied at once; the request record, the audit trail and the event keep the field names, never values.",
        ),
    ] = None

    @field_validator("changes")
    @classmethod
    def _changes_go_with_rectification(cls, changes: ProfilePatch | None, info: ValidationInfo) -> ProfilePatch | None:
        rectification = info.data.get("type") == "rectification"
        if rectification and (changes is None or not changes.model_fields_set):
            raise ValueError("a rectification names at least one field to correct")
        if not rectification and changes is not None:
            raise ValueError("only a rectification carries changes")
        return changes


class RestoreIn(BaseModel):
    """An operator's restore for a subject who asked by e-mail. How the sender was verified is one of these methods,
    never free text: it goes into the audit trail, which holds no personal data."""

    model_config = ConfigDict(extra="forbid")
    verified_by: Annotated[
        Literal["account_email_reply", "signed_in_session", "identity_document"],
        Field(
            description="How the sender was shown to be the subject: a reply from the account's e-mail address, the "
            "subject signed in to the account, or an identity document checked against it"
        ),
    ]


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


class ExtensionOut(BaseModel):
    """What extending the request does, by the deadline rule of its jurisdiction."""

    months: Annotated[int, Field(description="Calendar months the extension adds (GDPR: 2)")]
    days: Annotated[int, Field(description="Calendar days the extension adds (CCPA: 45)")]
    due_at: Annotated[datetime, Field(description="The deadline once extended (counted from receipt)")]


class AdminRequestOut(RequestOut):
    jurisdiction: Annotated[
        Jurisdiction,
        Field(
            description="Whose deadline rule applies, from the subject's country when the request was received: "
            "gdpr (one month, extendable once by two) or ccpa (45 days, extendable once by 45)"
        ),
    ]
    extension: Annotated[
        ExtensionOut | None,
        Field(description="What an extension would do; null once the request has been extended (only once)"),
    ] = None
    subject_id: str
    subject_pseudonym: Annotated[
        str, Field(description="The subject's audit pseudonym: GET /admin/audit/{subject_pseudonym} holds its records")
    ]
    origin: str
    verified_by: str | None
    extension_reason: str | None
    rejection_reason: str | None
    systems_pending: list[str]
    systems_done: list[str]

    @classmethod
    def of_request(cls, request: DataRequest, pseudonym: str) -> "AdminRequestOut":
        base = RequestOut.of(request).model_dump()
        extra = ("subject_id", "origin", "verified_by", "extension_reason", "rejection_reason")
        period = request.extension_period
        extension = (
            None
            if request.extended
            else ExtensionOut(months=period.months, days=period.days, due_at=request.extended_due_at())
        )
        return cls(
            **base,
            jurisdiction=Jurisdiction(request.jurisdiction),
            extension=extension,
            subject_pseudonym=pseudonym,
            **{name: getattr(request, name) for name in extra},
            systems_pending=list(request.systems_pending),
            systems_done=list(request.systems_done),
        )


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Annotated[str, Field(min_length=1, max_length=64, description="A configured record category")]
    until: Annotated[AwareDatetime, Field(description="When the hold ends (ISO 8601 with an offset, in the future)")]
    reason: Annotated[
        str, Field(min_length=1, max_length=500, description="Why (e.g. the case); kept on the hold, never audited")
    ]

    @field_validator("until")
    @classmethod
    def _in_utc(cls, until: datetime) -> datetime:
        try:
            return until.astimezone(UTC)
        except OverflowError as error:  # e.g. 9999-12-31T23:00:00-02:00 is past the last representable moment
            raise ValueError("out of range") from error


class HoldOut(BaseModel):
    category: str
    until: datetime
    reason: str
    placed_at: datetime
    placed_by: Annotated[str, Field(description="The operator who placed it (their subject id)")]

    @classmethod
    def of(cls, hold: LegalHold) -> "HoldOut":
        return cls(
            category=hold.category,
            until=hold.until,
            reason=hold.reason,
            placed_at=hold.placed_at,
            placed_by=hold.placed_by,
        )


class HoldListOut(BaseModel):
    items: list[HoldOut]


class AdminRequestListOut(BaseModel):
    items: list[AdminRequestOut]
    next: str | None


class SignedHead(BaseModel):
    """The service's signed statement of the chain it verified: the signature covers `signed_message` exactly."""

    signed_message: Annotated[
        str,
        Field(
            description="Canonical JSON of {subject, length, head_hash, valid, broken_at, anchored_through, verified_at}"
        ),
    ]
    signature: Annotated[str, Field(description="Base64 of the DER-encoded ECDSA signature")]
    signing_key_id: str
    signing_algorithm: Literal["ECDSA_SHA_256"]


class AuditChainOut(BaseModel):
    subject: str
    verification: ChainVerification
    records: list[AuditRecord]
    head_signature: SignedHead | None = None


class CertificateOut(BaseModel):
    """A deletion certificate and everything needed to verify it offline (see docs/verify-certificate.md)."""

    certificate: Annotated[
        dict[str, Any], Field(description="The certificate body exactly as stored and signed (a DeletionCertificate)")
    ]
    signature: Annotated[str | None, Field(description="Base64 of the DER-encoded ECDSA signature")]
    signing_key_id: Annotated[str | None, Field(description="The KMS key (ARN) that signed")]
    signing_algorithm: Annotated[str | None, Field(description="ECDSA_SHA_256: ECDSA on P-256 over SHA-256")]
    signed_message: Annotated[
        str, Field(description="The exact UTF-8 text that was signed: the certificate as canonical JSON")
    ]
