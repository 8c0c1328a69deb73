"""The list of reports the console offers. Supply's reports are listed here; placement adds those on
demand (the queue, fairness, the expected wait) when it is ready, since vacancies does not import
placement (DESIGN §4). `order` keeps the console's list in one order whoever registered first."""

import dataclasses

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vacancies.models import City
from vacancies.reports.base import Period, Report
from vacancies.reports.claims import report_claim_hours, report_claim_stages
from vacancies.reports.ownership import report_ownership
from vacancies.reports.seats import report_seat_flow


@dataclasses.dataclass(frozen=True)
class ReportKind:
    slug: str
    title: Promise
    description: Promise
    build: object
    uses_period: bool = True
    order: int = 100


REPORTS: dict[str, ReportKind] = {}


def report_register(kind: ReportKind) -> None:
    """Add a report to the console's list (once: a second registration of a slug changes nothing)."""
    if kind.slug in REPORTS:
        return
    listed = sorted([*REPORTS.values(), kind], key=lambda k: k.order)
    REPORTS.clear()
    REPORTS.update((k.slug, k) for k in listed)


def report_build(*, slug: str, city: City, period: Period) -> Report:
    return REPORTS[slug].build(city, period)


for _kind in (
    ReportKind(
        "seats",
        _("Seats per day"),
        _("Seats released, claimed, withdrawn and whose referral expired, day by day."),
        lambda city, period: report_seat_flow(city=city, period=period),
        order=20,
    ),
    ReportKind(
        "stages",
        _("Priority or general access"),
        _("The share of seats claimed in priority access against those left to general access."),
        lambda city, period: report_claim_stages(city=city, period=period),
        order=30,
    ),
    ReportKind(
        "hours",
        _("Time to claim"),
        _("Hours from a seat's publication to its claim."),
        lambda city, period: report_claim_hours(city=city, period=period),
        order=40,
    ),
    ReportKind(
        "ownership",
        _("State and private kindergartens"),
        _("Places and seat movements of state and private kindergartens."),
        lambda city, period: report_ownership(city=city, period=period),
        order=50,
    ),
):
    report_register(_kind)
