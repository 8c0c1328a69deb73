"""The department's calendar overrides as the working-day calendar reads them (indigo/workdays.py,
R-CAL-1). Registered from vacancies/apps.py: indigo, below vacancies, never imports it."""

import datetime as dt

from django.db import connection

from indigo.rows import rows_read
from vacancies.models import CalendarOverride


def city_overrides(city, year: int) -> dict[dt.date, bool]:
    """{day: True for a working day, False for a day off} of the city's overrides in that year."""
    # Written out (raw() keeps the fields' converters): a referral's validity asks this on every
    # claim, and compiling the ORM query cost more than the query (docs/performance.md).
    sql = "SELECT id, day, kind FROM vacancies_calendaroverride WHERE city_id = %s AND day BETWEEN %s AND %s"
    params = [city.pk, dt.date(year, 1, 1), dt.date(year, 12, 31)]
    rows = rows_read(sql, params) if connection.vendor == "postgresql" else CalendarOverride.objects.raw(sql, params)
    return {row.day: row.kind == CalendarOverride.Kind.WORKING_DAY for row in rows}
