"""Cells for every CSV and XLSX the portal exports, neutralised against formula injection.

A kindergarten name or any typed text beginning with =, +, -, @ (or a tab or carriage return, which
some spreadsheets skip before reading a formula) would run as a formula when the file is opened in
Excel or LibreOffice. In CSV such text gets a leading apostrophe, which spreadsheets show as the
start of plain text (OWASP's advice); in XLSX the cell is stored as text, so it shows exactly as typed
and is never evaluated. Numbers, dates and other values pass unchanged.
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    """A value for csv.writer: formula-like text is prefixed with an apostrophe."""
    return f"'{value}" if is_formula_like(value) else value


def csv_row(values) -> list:
    return [csv_cell(value) for value in values]


def xlsx_cell(sheet, value):
    """An openpyxl write-only cell; formula-like text is stored as a string, never as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        # openpyxl reads a str starting with "=" as a formula; a string cell keeps the text as typed.
        cell.data_type = "s"
    return cell


class _NeutralisingWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow(csv_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(buffer, **options) -> _NeutralisingWriter:
    """csv.writer whose every row goes through csv_row: what every CSV export writes with."""
    return _NeutralisingWriter(csv.writer(buffer, **options))
