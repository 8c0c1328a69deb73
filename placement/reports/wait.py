"""The department's report of the expected wait's backtest (issue 16), listed by placement/reports."""

from django.utils.translation import gettext_lazy as _

from indigo import clock
from placement.wait_backtest import wait_backtest_latest
from vacancies.models import City
from vacancies.reports import Chart, Report, report_listed


@report_listed(
    "wait",
    _("Expected wait: how good it was"),
    _("The expected wait replayed on past days and compared with when each child was placed."),
    order=70,
    uses_period=False,
)
def report_wait_backtest(*, city: City) -> Report:
    run = wait_backtest_latest(city=city)
    columns = [
        _("Protocol day"),
        _("Children estimated"),
        _("Outcome known"),
        _("Inside the 80 % interval"),
        _("Placed earlier"),
        _("Placed later or still waiting"),
        _("Median error, days"),
        _("No estimate (thin history)"),
    ]
    if run is None:
        return Report(
            slug="wait",
            columns=columns,
            rows=[],
            notes=[_("No backtest has been run for this city yet: manage.py backtest_wait.")],
        )
    rows = [
        [r["day"], r["estimated"], r["judged"], r["inside"], r["early"], r["late"], r["median_error"], r["thin"]]
        for r in run.rows
    ]
    share = run.share_inside
    summary = [
        (_("run"), run.ran_at.astimezone(clock.ASTANA).strftime("%Y-%m-%d %H:%M")),
        (_("days replayed"), f"{run.first_day} … {run.last_day} ({len(run.rows)})"),
        (_("children whose outcome is known"), run.judged),
        (_("placed inside the 80 % interval"), f"{share:.0%}" if share is not None else None),
        (_("median error, days"), run.median_error_days),
        (_("without an estimate (thin history)"), run.thin),
    ]
    chart = Chart(
        type="bar",
        labels=[r["day"] for r in run.rows],
        datasets=[
            {"label": _("Inside the 80 % interval"), "data": [r["inside"] for r in run.rows]},
            {"label": _("Placed earlier"), "data": [r["early"] for r in run.rows]},
            {"label": _("Placed later or still waiting"), "data": [r["late"] for r in run.rows]},
        ],
        stacked=True,
        y_title=_("children"),
    )
    notes = [
        _(
            "Each row replays the estimate as it was on that protocol day, from the protocols published by "
            "then, for every child then waiting, and compares it with when the child was placed."
        )
    ]
    return Report(slug="wait", columns=columns, rows=rows, chart=chart, summary=summary, notes=notes)
