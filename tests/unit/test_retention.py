"""Retention of host records: a record of a category with a retention rule carries the date it counts from, and
the purge keeps it until then (or, its date unreadable, for the rule's full period from when it was stored). The
categories are iMind's policy's (its invoices: 7 years under the Estonian Accounting Act)."""

import json
from datetime import UTC, datetime

import pytest

from domain.erasure.model import hold_until
from domain.errors import DomainError
from domain.records import RecordCategories
from policy.catalog import to_record_categories
from policy.loader import load_policy

STORED = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


def load_categories() -> RecordCategories:
    return to_record_categories(load_policy("imind"))


def test_an_invoice_is_held_seven_years_from_its_date() -> None:
    # Given an invoice dated 31 January 2026
    document = {"invoice_date": "2026-01-31", "total": 10}
    # When the purge asks until when it must be kept
    until, basis = hold_until("invoices", document, load_categories(), {}, stored_at=STORED) or (None, "")
    # Then it is seven years from that date, under the accounting-law basis the policy states
    assert until == datetime(2033, 1, 31, tzinfo=UTC)
    assert basis.startswith("Legal obligation: Estonian Accounting Act")


def test_an_invoice_date_with_an_offset_is_converted_to_utc_not_relabelled() -> None:
    # Given an invoice dated late in the evening of 31 January in New York (04:30 on 1 February in UTC)
    document = {"invoice_date": "2026-01-31T23:30:00-05:00"}
    # When the purge asks until when it must be kept
    held = hold_until("invoices", document, load_categories(), {}, stored_at=STORED)
    # Then the hold ends seven years after that very moment
    assert held is not None
    assert held[0] == datetime(2033, 2, 1, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize("document", [{"total": 10}, {"invoice_date": "31/01/2026"}, {"invoice_date": 2026}])
def test_an_invoice_whose_date_is_unreadable_is_held_for_the_full_period_from_when_it_was_stored(
    document: dict[str, object],
) -> None:
    # Given an invoice whose date is missing or unreadable (stored before dates were checked)
    # When the purge asks until when it must be kept
    held = hold_until("invoices", document, load_categories(), {}, stored_at=STORED)
    # Then it is kept, not deleted: seven years from when it was stored, and the basis says why
    assert held is not None
    assert held[0] == datetime(2033, 3, 12, 9, 30, tzinfo=UTC)
    assert "invoice_date" in held[1]


def test_an_order_has_no_hold() -> None:
    # Given an order (a category without a retention rule) and no legal hold
    # When the purge asks until when it must be kept, Then it may go now
    assert hold_until("orders", {"item": "book"}, load_categories(), {}, stored_at=STORED) is None


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        ({"total": 10, "customer": "ada@example.org"}, "missing"),
        ({"invoice_date": "31/01/2026", "customer": "ada@example.org"}, "date_parsing"),
        ({"invoice_date": 20260131}, "date_parsing"),
    ],
)
def test_an_invoice_without_a_readable_date_is_refused_naming_the_field_not_the_values(
    document: dict[str, object], kind: str
) -> None:
    # Given an invoice whose retention date is missing or unreadable
    invoices = load_categories().get("invoices")
    # When it is checked for registration
    with pytest.raises(DomainError) as refused:
        invoices.check(document)
    # Then it is refused as invalid, naming the field, and echoing none of the values sent
    error = refused.value
    assert error.code == "validation_error"
    assert [(d["field"], d["type"]) for d in error.details] == [("invoice_date", kind)]
    shown = error.message + json.dumps(error.details)
    assert "invoice_date" in error.message
    for sent in ("ada@example.org", "31/01/2026", "20260131"):
        assert sent not in shown


def test_an_invoice_with_its_date_and_an_order_without_one_are_accepted() -> None:
    # Given an invoice with its date (a date or a moment with its offset), and an order, which needs none
    categories = load_categories()
    # When they are checked for registration, Then nothing is refused
    categories.get("invoices").check({"invoice_date": "2026-01-31"})
    categories.get("invoices").check({"invoice_date": "2026-01-31T23:30:00-05:00"})
    categories.get("orders").check({"item": "book"})
