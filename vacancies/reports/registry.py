"""The list of reports the console offers. Each report module lists its report with `@report_listed`;
supply's modules are imported by vacancies/reports/__init__.py, demand's (the queue, fairness, the expected
wait) by placement when it is ready, since vacancies does not import placement (DESIGN §4). `order` keeps
the console's list in one order whoever registered first."""

import dataclasses

from django.utils.functional import Promise

from vacancies.models import City
from vacancies.reports.base import Period, Report


@dataclasses.dataclass(frozen=True)
class ReportKind:
    slug: str
    title: Promise
    description: Promise
    # report_<name>(*, city, period) or, for a report on the present (uses_period False), (*, city).
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


def report_listed(slug: str, title: Promise, description: Promise, *, order: int, uses_period: bool = True):
    """The decorated report, listed in the console under `slug` at place `order`."""

    def listed(build):
        report_register(ReportKind(slug, title, description, build, uses_period=uses_period, order=order))
        return build

    return listed


def report_build(*, slug: str, city: City, period: Period) -> Report:
    kind = REPORTS[slug]
    return kind.build(city=city, period=period) if kind.uses_period else kind.build(city=city)
