"""What placement adds to every protocol (vacancies/protocol.py publishes it): the privilege categories
that stop counting in the queue, with the reason (R-Q-2). Registered from placement's AppConfig.ready(),
so vacancies, below placement, never imports it."""

import datetime as dt

from django.db.models import Min
from django.utils.translation import gettext_lazy as _

from placement.models import PrivilegeCategoryChange
from vacancies.models import City
from vacancies.protocol import EntrySource

PRIVILEGE_CATEGORY_CHANGE = "category_change"


def _category_changes(city: City, after: dt.datetime | None, cutoff: dt.datetime):
    changes = PrivilegeCategoryChange.objects.filter(city=city, at__lte=cutoff)
    if after is not None:
        changes = changes.filter(at__gt=after)
    for change in changes.select_related("category").order_by("at", "pk"):
        category = change.category
        payload = {
            "category": {
                "code": category.code,
                "tier": category.tier,
                "name_kk": category.name_kk,
                "name_ru": category.name_ru,
            },
            "counts_in_queue": change.active,
            "reason": change.reason,
        }
        yield change.at, change.pk, PRIVILEGE_CATEGORY_CHANGE, None, payload


def _first_category_change(city: City) -> dt.datetime | None:
    return PrivilegeCategoryChange.objects.filter(city=city).aggregate(first=Min("at"))["first"]


CATEGORY_CHANGES = EntrySource(
    kind=PRIVILEGE_CATEGORY_CHANGE,
    label=_("privilege no longer counts in the queue"),
    # After seat events, schedule changes and announcements stamped at the same moment, as it always was.
    order=3,
    rows=_category_changes,
    first=_first_category_change,
)
