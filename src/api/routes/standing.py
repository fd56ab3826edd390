"""Subject function routes of restriction (GDPR Art. 18) and objection (Art. 21), and the host application's one
permission question. Included by the subject function (handlers/subject_api.py) beside api/routes/subject.py."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from api.authorization import HOST_APP
from api.http import Routes, build_router
from api.identity import caller_of
from api.parameters import SUBJECT_ID
from api.standing_schemas import PermissionsOut, status_out
from api.subject_schemas import RequestIn, RequestOut, StatusOut
from wiring.requests import requests
from wiring.standing import standing

router = build_router()
TAGS = ["subject"]
subject = Routes(router, tags=TAGS)
host_app = Routes(router, tags=TAGS, middlewares=[HOST_APP])


def _me() -> str:
    return caller_of(router.current_event).subject_id


def submit_standing_request(subject_id: str, body: RequestIn) -> RequestOut:
    """POST /me/requests of type restriction or objection (api/routes/subject.py)."""
    from domain.standing.use_cases import object_to, restrict

    if body.type == "restriction":
        assert body.grounds is not None  # RequestIn requires it
        return RequestOut.of(restrict(requests(), standing(), subject_id, body.grounds, by="subject"))
    assert body.purposes is not None  # RequestIn requires it for an objection
    return RequestOut.of(object_to(requests(), standing(), subject_id, body.purposes))


@subject.post(
    "/me/restriction/lift",
    summary="Lift the restriction of processing you asked for (now)",
    description="409 `not_restricted`: processing of your data is not restricted. 403 `restriction_by_parent`: "
    "your parent restricted it, and only they can lift it.",
)
def post_lift() -> StatusOut:
    subject_id = _me()
    standing().lift(subject_id)
    return status_out(standing().status(subject_id))


@host_app.get(
    "/app/subjects/<subject_id>/permissions",
    summary="May this subject's data be processed for these purposes now? (host application only)",
    description="One answer per purpose: `allowed` and why (`consent`, `refused`, `withdrawn`, `restricted`, "
    "`objected`, `minor`, `gpc`, `dnt`, `pending_deletion`, `purged`, `required`). 1 to 50 `purpose` parameters; 422 "
    "`unknown_purpose`, `no_purpose`.",
)
def get_permissions(
    subject_id: SUBJECT_ID,
    # Optional to the validator, so who may ask is decided first (HOST_APP: 403); none at all is 422 `no_purpose`.
    purpose: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Query(max_length=50)] = [],  # noqa: B006
) -> PermissionsOut:
    return PermissionsOut.of(subject_id, standing().permissions(subject_id, purpose))
