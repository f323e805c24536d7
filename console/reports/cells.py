"""Cells that cannot attack a spreadsheet: the one helper every CSV export and every XLSX report writes through.

OWASP's CSV-injection rule: a text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return may be read
as a formula (`=cmd|' /C calc'!A0`, `=HYPERLINK(…)`) by the program that opens the file. Citizens write the
descriptions, names and addresses, so such text is neutralised:

- CSV: a single quote is put in front of it (`'=1+1`), which spreadsheet programs show as text;
- XLSX: every text is written as a string cell, never a formula, and a dangerous one also carries Excel's own
  "quote prefix" mark (what typing `'=1+1` in Excel stores), so editing the cell keeps it text.

Numbers, booleans and empty cells stay what they are: a negative number is a number, not text beginning with `-`.
Lists and objects (capabilities, event payloads) are written as their JSON text, neutralised like any text.
"""

from __future__ import annotations

import json
from typing import Any

from openpyxl.cell import WriteOnlyCell

#: What a spreadsheet may take as the start of a formula (OWASP, "CSV Injection").
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(DANGEROUS_PREFIXES)


def as_text(value: Any) -> Any:
    """Lists and objects as JSON text; anything else unchanged."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def csv_cell(value: Any) -> Any:
    """The value to give `csv.writer` for one cell."""
    value = as_text(value)
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_row(row: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {f: csv_cell(row.get(f)) for f in fields}


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """The value to append to a write-only sheet (openpyxl) for one cell: text as a string cell, never a formula."""
    value = as_text(value)
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would make text beginning with "=" a formula
    if is_formula_like(value):
        cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    return [xlsx_cell(sheet, v) for v in values]
