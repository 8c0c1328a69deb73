"""What the demo's parts share: its sizes and dates, the seeded random streams, and bulk loading helpers.

Every random choice comes from a random.Random stream named after the seed and a part, so one seed
always draws the same city, whichever part is drawn first.
"""

import datetime as dt
import random
from collections.abc import Iterable, Iterator, Sequence

from django.db import models

from indigo.clock import at_local

DEFAULT_SEED = 2024


DEFAULT_CHILDREN = 3000


DEFAULT_KINDERGARTENS = 40


MAX_KINDERGARTENS = 500


# References carry a six-digit serial per cohort; this keeps a city-scale run (150,000) well inside it.
MAX_CHILDREN = 1_000_000


COHORTS = (2019, 2020, 2021, 2022)


SCHEDULE_YEAR = 2024


BATCH = 1000


# The children already in their groups when the portal opened: the 2023/24 school year.
EXISTING_SINCE = at_local(dt.date(2023, 9, 1), dt.time(9, 0))


# The queue is as it stood just before the 2024 summer recruitment.
LAST_FILING_DAY = dt.date(2024, 5, 24)


SCHEDULE_APPROVED_AT = at_local(dt.date(2024, 5, 20), dt.time(10, 0))


PHONES_CONFIRMED_AT = at_local(dt.date(2024, 5, 2), dt.time(9, 30))


def stream(seed: int, part: str) -> random.Random:
    # A separate stream per part keeps, for example, the children the same whatever the kindergarten count.
    return random.Random(f"indigo-demo/{seed}/{part}")


class Deck:
    """Draws without putting back; a fresh shuffled round starts when the deck is empty."""

    def __init__(self, rng: random.Random, cards: Sequence):
        self._rng = rng
        self._cards = cards
        self._left: list = []
        self.rounds = 0

    def draw(self):
        if not self._left:
            self._left = self._rng.sample(list(self._cards), len(self._cards))
            self.rounds += 1
        return self._left.pop()


def _chunks(items: Sequence, size: int = BATCH) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ids_by(queryset: models.QuerySet | models.Manager, field: str, values: Sequence[str]) -> dict[str, int]:
    """Primary keys by a unique field, asked in chunks so SQLite's parameter limit never bites."""
    found: dict[str, int] = {}
    for chunk in _chunks(list(values)):
        found.update(queryset.filter(**{f"{field}__in": chunk}).values_list(field, "pk"))
    return found


def model_from(model: type[models.Model], plan, *fields: str, **values) -> models.Model:
    """A `model` row with the named attributes of `plan` (one of the demo's dataclasses) and `values`."""
    return model(**{name: getattr(plan, name) for name in fields}, **values)


def bulk_create(model: type[models.Model], rows: Iterable[models.Model]) -> int:
    created = 0
    batch: list[models.Model] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            created += len(model.objects.bulk_create(batch))
            batch = []
    if batch:
        created += len(model.objects.bulk_create(batch))
    return created
