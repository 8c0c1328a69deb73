"""A report's table as CSV (with a byte order mark, for Excel) and as XLSX."""

import datetime as dt
import io

from django.utils.functional import Promise

from indigo.spreadsheet import csv_writer, xlsx_cell
from vacancies.reports.base import Report


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, Promise):
        return str(value)
    return value


def report_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([str(column) for column in report.columns])
    for row in report.rows:
        writer.writerow([value.isoformat() if isinstance(value, dt.date) else _cell(value) for value in row])
    # The byte order mark makes Excel read the Cyrillic as UTF-8.
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def report_xlsx(report: Report, *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    # Sheet titles are limited to 31 characters and some punctuation.
    sheet = workbook.create_sheet(title="".join(c for c in title if c not in "[]:*?/\\")[:31] or report.slug)
    header = []
    for column in report.columns:
        cell = xlsx_cell(sheet, str(column))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in report.rows:
        sheet.append([xlsx_cell(sheet, _cell(value)) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
