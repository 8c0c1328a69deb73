"""The one source of "now" for the rules, so tests and replays can move time."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

ASTANA = ZoneInfo("Asia/Almaty")


def now() -> dt.datetime:
    return timezone.now()


def local_today() -> dt.date:
    return now().astimezone(ASTANA).date()


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    """An aware moment for a wall-clock time in Astana; the offset comes from the tz database."""
    return dt.datetime.combine(day, time, tzinfo=ASTANA)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ASTANA).date()


def localtime_iso(moment: dt.datetime) -> str:
    return moment.astimezone(ASTANA).isoformat()
