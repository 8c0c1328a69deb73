"""Argument parsing shared by the management commands (the cities by name: vacancies/management/cities.py)."""

import datetime as dt

from django.core.management.base import CommandError

from indigo.clock import ASTANA


def parse_moment(text: str | None) -> dt.datetime | None:
    """ISO-8601; a moment without an offset is read as Astana time."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--at {text!r} is not an ISO-8601 moment, e.g. 2024-05-31T18:00+05:00.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ASTANA)
