"""Flows that span the requests and standing contexts: a restriction or objection is a data-subject request
(tracked, due, completed once connected systems report) that changes the subject's standing at once."""

from domain.requests.model import DataRequest
from domain.requests.service import RequestService
from domain.standing.model import RestrictedBy, RestrictionGrounds
from domain.standing.service import StandingService


def restrict(
    requests: RequestService,
    standing: StandingService,
    subject_id: str,
    grounds: RestrictionGrounds,
    *,
    by: RestrictedBy,
) -> DataRequest:
    """Art. 18: the request is opened, the restriction is in force at once, the request acted on."""
    standing.ensure_available(subject_id)
    request = requests.submit(subject_id, "restriction", origin=by)
    standing.restrict(request, grounds, by=by)
    return requests.acted_on(request, "request.restriction_applied")


def object_to(
    requests: RequestService, standing: StandingService, subject_id: str, purpose_ids: list[str]
) -> DataRequest:
    """Art. 21: refused (422) before any request is opened when a purpose is unknown or no objection applies to it."""
    standing.check_objection(purpose_ids)
    standing.ensure_available(subject_id)
    request = requests.submit(subject_id, "objection")
    standing.record_objection(request, purpose_ids)
    return requests.acted_on(request, "request.objection_applied")
