"""Record categories are configuration: the bundled file loads, and a malformed one stops with its reason."""

import json
from pathlib import Path

import pytest

from domain.errors import DomainError
from domain.records import load_categories


def test_the_bundled_categories_load_with_the_invoice_retention_rule() -> None:
    categories = load_categories()

    invoices = categories.get("invoices")
    assert invoices.retention is not None
    assert invoices.retention.years == 10
    assert invoices.retention.date_field == "invoice_date"
    assert categories.get("orders").retention is None
    with pytest.raises(DomainError, match="'payslips' is not a configured record category"):
        categories.get("payslips")


@pytest.mark.parametrize(
    ("category", "reason"),
    [
        ({"id": "Invoices", "description": "x"}, "a category id is"),
        (
            {"id": "invoices", "description": "x", "retention": {"years": 0, "date_field": "d", "legal_basis": "b"}},
            "1 to 30 years",
        ),
    ],
)
def test_a_malformed_category_is_refused(tmp_path: Path, category: dict[str, object], reason: str) -> None:
    path = tmp_path / "categories.json"
    path.write_text(json.dumps({"categories": [category]}), encoding="utf-8")

    with pytest.raises(ValueError, match=reason):
        load_categories(path)
