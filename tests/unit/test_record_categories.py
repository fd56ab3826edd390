"""Record categories are the policy's: each product's categories load with their retention, and a malformed one
stops the function with its reason."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from domain.errors import DomainError
from domain.records import RecordCategory, RetentionRule
from policy.catalog import to_record_categories
from policy.loader import DOCUMENTS, InvalidPolicy, load_policy


@pytest.mark.parametrize(("name", "years"), [("imind", 7), ("mindomo", 10), ("imocloud", 10)])
def test_each_policy_keeps_invoices_for_the_years_it_states(name: str, years: int) -> None:
    categories = to_record_categories(load_policy(name))

    invoices = categories.get("invoices")
    assert invoices.retention is not None
    assert (invoices.retention.years, invoices.retention.date_field) == (years, "invoice_date")
    assert categories.get("orders").retention is None
    with pytest.raises(DomainError, match="'payslips' is not a configured record category"):
        categories.get("payslips")


def test_a_category_the_policy_does_not_list_is_unknown() -> None:
    # Intermind's policy registers no invoices: a host cannot file one there
    with pytest.raises(DomainError, match="'invoices' is not a configured record category"):
        to_record_categories(load_policy("intermind")).get("invoices")


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda: RecordCategory(id="Invoices", description="x"), "a category id is"),
        (lambda: RetentionRule(years=0, date_field="d", legal_basis="b"), "1 to 30 years"),
    ],
)
def test_a_malformed_category_is_refused(build: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        build()


def test_a_policy_with_a_malformed_category_stops_the_function_naming_it(tmp_path: Path) -> None:
    # Given iMind's policy with a record category whose id the export archive could not use as a file name
    document = copy.deepcopy(json.loads((DOCUMENTS / "imind.json").read_text(encoding="utf-8")))
    document["record_categories"][0]["id"] = "Invoices"
    (tmp_path / "imind.json").write_text(json.dumps(document), encoding="utf-8")
    # When it is loaded, Then it is refused with the field named
    with pytest.raises(InvalidPolicy, match=r"record_categories\.0\.id"):
        load_policy("imind", tmp_path)
