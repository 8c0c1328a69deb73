"""The department's reports on demand (the queue, fairness, the expected wait's backtest), listed in the
console's registry (vacancies/reports/registry.py) when placement is ready."""

from django.utils.translation import gettext_lazy as _

from placement.reports.fairness import report_fairness
from placement.reports.queue import report_queue
from placement.reports.wait import report_wait_backtest
from vacancies.reports import ReportKind, report_register


def reports_register() -> None:
    for kind in (
        ReportKind(
            "queue",
            _("Queue length"),
            _("Children in the queue now, by birth year, language and district."),
            lambda city, period: report_queue(city=city),
            uses_period=False,
            order=10,
        ),
        ReportKind(
            "fairness",
            _("Fairness"),
            _("For each protocol: seats that reached general access while children whose turn had come waited."),
            lambda city, period: report_fairness(city=city, period=period),
            order=60,
        ),
        ReportKind(
            "wait",
            _("Expected wait: how good it was"),
            _("The expected wait replayed on past days and compared with when each child was placed."),
            lambda city, period: report_wait_backtest(city=city),
            uses_period=False,
            order=70,
        ),
    ):
        report_register(kind)
