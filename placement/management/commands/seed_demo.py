"""Load the demo city (Temirtau); safe to run again, it only adds what is missing."""

import os
import random
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from placement.demo.city import DemoCitySummary, demo_city_load
from placement.demo.common import (
    DEFAULT_CHILDREN,
    DEFAULT_KINDERGARTENS,
    DEFAULT_SEED,
    MAX_CHILDREN,
    MAX_KINDERGARTENS,
    SCHEDULE_YEAR,
)
from placement.demo.history import demo_history_load
from placement.demo.seats import demo_seats_load
from placement.window.demo_open import demo_window_note

DEFAULT_PASSWORD = "indigo-demo"  # noqa: S105 - the published demo password, overridable by DEMO_PASSWORD
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def _whole_number(option: str, value: object, bounds: tuple[int, int] | None = None) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        number = int(value)
    else:
        raise CommandError(f"--{option} must be a whole number, not {value!r}.")
    if bounds and not bounds[0] <= number <= bounds[1]:
        raise CommandError(f"--{option} must be between {bounds[0]} and {bounds[1]}, not {number}.")
    return number


class Command(BaseCommand):
    help = "Load the demo city Temirtau: kindergartens, groups, a queue of children, the 2024 summer schedule."

    def add_arguments(self, parser):
        # Values are checked in handle() so a bad one ends in a one-line CommandError, not argparse's usage dump.
        parser.add_argument("--seed", default=DEFAULT_SEED, help="Random seed (default %(default)s).")
        parser.add_argument(
            "--children",
            default=DEFAULT_CHILDREN,
            help="Applications in the queue (default %(default)s, at least 0).",
        )
        parser.add_argument(
            "--history-months",
            default=0,
            help="Months of simulated past placements and protocols before the recent activity (default "
            "%(default)s; make run asks for 18, which the expected wait and its backtest need).",
        )
        parser.add_argument(
            "--kindergartens",
            default=DEFAULT_KINDERGARTENS,
            help=f"Kindergartens (default %(default)s, 1 to {MAX_KINDERGARTENS}).",
        )

    def handle(self, *args, **options):
        seed = _whole_number("seed", options["seed"])
        children = _whole_number("children", options["children"], (0, MAX_CHILDREN))
        kindergartens = _whole_number("kindergartens", options["kindergartens"], (1, MAX_KINDERGARTENS))
        history_months = _whole_number("history-months", options["history_months"], (0, 60))
        password = os.environ.get("DEMO_PASSWORD", DEFAULT_PASSWORD)
        if not password:
            raise CommandError("DEMO_PASSWORD is set but empty; unset it or give the demo accounts a password.")

        # The operator reads English; names of places then come out in their English spelling.
        with translation.override("en"):
            summary = demo_city_load(seed=seed, children=children, kindergartens=kindergartens, password=password)
            self._report(summary, seed=seed, password_shown=_password_shown(password))
            history_end = demo_history_load(city=summary.city, rng=random.Random(seed), months=history_months)
            if history_end:
                self.stdout.write(f"Simulated {history_months} months of placements and protocols up to {history_end}.")
            released = demo_seats_load(city=summary.city, rng=random.Random(seed), after=history_end)
            if released:
                self.stdout.write(f"Released {released} demo seats and published the protocols up to today.")
                note = demo_window_note(city=summary.city)
                if note:
                    self.stdout.write(note)

    def _report(self, summary: DemoCitySummary, *, seed: int, password_shown: str) -> None:
        self.stdout.write(
            f"{summary.city} ({summary.city.code}), seed {seed}: {summary.districts} districts, "
            f"{summary.kindergartens:,} kindergartens, {summary.groups:,} groups with {summary.places:,} places "
            f"({summary.taken:,} taken, {summary.places - summary.taken:,} free), "
            f"{summary.applications:,} applications ({summary.privileged:,} with a privilege), "
            f"{summary.summer_windows} summer windows for {SCHEDULE_YEAR} "
            f"with {summary.summer_changes} kindergarten changes."
        )
        if summary.added_total:
            parts = ", ".join(
                f"{model._meta.verbose_name_plural} {count:,}" for model, count in summary.added.items() if count
            )
            self.stdout.write(self.style.SUCCESS(f"Added rows: {parts}."))
        else:
            self.stdout.write("Nothing to add: the city was already loaded.")
        self.stdout.write(f"Demo logins (password {password_shown}):")
        for account in summary.accounts:
            self.stdout.write(f"  {account.username:<8} {account.role}: {account.scope}")


def _password_shown(password: str) -> str:
    # A password chosen through the environment may be private; the default one is public anyway.
    return "from DEMO_PASSWORD" if "DEMO_PASSWORD" in os.environ else f'"{password}"'
