import datetime as dt

from django.core.management.base import BaseCommand

from placement.wait_backtest import wait_backtest_run
from vacancies.management.cities import cities_named


class Command(BaseCommand):
    help = (
        "Replay the expected wait on past protocol days for every child then waiting and compare it with "
        "when each child was placed; the result is stored for the department's report (docs/wait.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--city", help="City slug (default: every city).")
        parser.add_argument("--step-days", type=int, default=28, help="Days between replayed protocols.")
        parser.add_argument(
            "--until",
            type=dt.date.fromisoformat,
            help="Judge outcomes up to this day only (default: the last protocol).",
        )
        parser.add_argument("--verbose-days", action="store_true", help="Print each replayed day's figures.")

    def handle(self, *args, city=None, step_days=28, until=None, verbose_days=False, **options):
        for each in cities_named(city):
            log = self.stdout.write if verbose_days else None
            run = wait_backtest_run(city=each, step_days=step_days, until=until, log=log)
            share = f"{run.share_inside:.1%}" if run.share_inside is not None else "—"
            self.stdout.write(
                f"{each.slug}: {len(run.rows)} days replayed ({run.first_day}…{run.last_day}), "
                f"{run.judged} children judged, {share} inside the 80 % interval, "
                f"median error {run.median_error_days if run.median_error_days is not None else '—'} days, "
                f"{run.thin} without an estimate (thin history), {run.seconds} s"
            )
