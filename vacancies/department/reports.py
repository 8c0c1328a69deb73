"""The reports pages: the list, one report with its chart and table, and its CSV and XLSX exports."""

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import dateformat, formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.department.access import department_page
from indigo.inputs import query_date
from vacancies.models import City
from vacancies.reports import MAX_DAYS, REPORTS, Period, report_build, report_csv, report_xlsx


@department_page
def reports_page(request: HttpRequest, city: City) -> HttpResponse:
    return render(request, "department/reports.html", {"city": city, "section": "reports", "reports": REPORTS.values()})


def _display_cell(value, date_format: str, *, label: bool) -> dict:
    if isinstance(value, dt.date):
        return {"text": dateformat.format(value, date_format), "numeric": False}
    if value is None or value == "":
        return {"text": "—", "numeric": False}
    if isinstance(value, int | float) and not label:
        return {"text": formats.number_format(value), "numeric": True}
    return {"text": str(value), "numeric": False}


def _period(request: HttpRequest) -> tuple[Period, bool]:
    default = Period.last_days()
    # A date that is no date, or beyond the years the portal knows, is a 400 (indigo/inputs.py).
    start = query_date(request.GET, "from") or default.start
    end = query_date(request.GET, "to") or default.end
    if end < start or (end - start).days >= MAX_DAYS:
        return default, False
    return Period(start, end), True


@department_page
def report_page(request: HttpRequest, city: City, report: str) -> HttpResponse:
    kind = REPORTS.get(report)
    if kind is None:
        raise Http404
    period, valid = _period(request)
    if not valid:
        messages.error(request, _("Choose a period of at most a year, its start before its end."))
    result = report_build(slug=kind.slug, city=city, period=period)
    export = request.GET.get("format")
    filename = f"{city.slug}-{kind.slug}"
    if kind.uses_period:
        filename += f"-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if export == "csv":
        response = HttpResponse(report_csv(result), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if export == "xlsx":
        response = HttpResponse(
            report_xlsx(result, title=str(kind.title)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    query = request.GET.copy()
    query.pop("format", None)
    date_format = pgettext("date format", "j M Y")
    table = [
        [_display_cell(value, date_format, label=index in result.label_columns) for index, value in enumerate(row)]
        for row in result.rows
    ]
    context = {
        "city": city,
        "section": "reports",
        "kind": kind,
        "reports": REPORTS.values(),
        "report": result,
        "period": period,
        "chart": result.chart.as_data() if result.chart else None,
        "querystring": query.urlencode(),
        "table": table,
        "headers": [
            {"label": column, "numeric": any(row[index]["numeric"] for row in table)}
            for index, column in enumerate(result.columns)
        ],
    }
    return render(request, "department/report.html", context)
