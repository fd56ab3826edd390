"""HTTP shapes of restriction, objection and the host's permission question."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.subject_schemas import ObjectionOut, RestrictionOut, StatusOut
from domain.standing.model import PermissionReason, Restriction, RestrictionGrounds, Standing, SubjectStanding
from domain.standing.rules import Permission

Reason = Annotated[str, Field(min_length=3, max_length=500)]  # as an operator's reasons elsewhere (admin_schemas)


class PermissionOut(BaseModel):
    allowed: bool
    reason: PermissionReason


class PermissionsOut(BaseModel):
    subject_id: str
    purposes: dict[str, PermissionOut]

    @classmethod
    def of(cls, subject_id: str, answers: dict[str, Permission]) -> "PermissionsOut":
        return cls(
            subject_id=subject_id,
            purposes={pid: PermissionOut(allowed=p.allowed, reason=p.reason) for pid, p in answers.items()},
        )


class ChildRestrictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grounds: RestrictionGrounds = "objection_pending"


class CompellingGroundsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Reason


class StandingOut(BaseModel):
    subject_id: str
    restricted: bool
    restriction: RestrictionOut | None
    objections: list[str] = Field(description="The purposes objected to, whose objection is in force")


def restriction_out(restriction: Restriction | None) -> RestrictionOut | None:
    if restriction is None:
        return None
    return RestrictionOut(
        grounds=restriction.grounds,
        since=restriction.since,
        restricted_by=restriction.restricted_by,
        lift_at=restriction.lift_at,
        lift_requested_by=restriction.lift_requested_by,
    )


def standing_out(subject_id: str, standing: Standing, restriction: Restriction | None) -> StandingOut:
    return StandingOut(
        subject_id=subject_id,
        restricted=restriction is not None,
        restriction=restriction_out(restriction),
        objections=sorted(pid for pid, objection in standing.objections.items() if objection.in_force),
    )


def status_out(standing: SubjectStanding) -> StatusOut:
    """GET /me/status: pending_deletion and purged take precedence over a restriction, and hide the objections."""
    status, restriction = standing.status, standing.restriction
    active = status.state == "active"
    restricted = active and restriction is not None
    state: Literal["active", "restricted", "pending_deletion", "purged"] = "restricted" if restricted else status.state
    return StatusOut(
        state=state,
        purge_at=status.purge_at,
        reason=status.reason,
        restriction=restriction_out(restriction) if restricted else None,
        objections=[
            ObjectionOut(purpose=o.purpose, at=o.at, absolute=o.absolute, in_force=o.in_force)
            for o in (standing.objections if active else ())
        ],
    )
