"""What every report is made of: the period it covers, its table and summary, and its chart."""

import dataclasses
import datetime as dt
from types import SimpleNamespace

from indigo import clock
from indigo.choices import Language
from indigo.i18n import localized
from vacancies.models import City, SeatEvent

ASTANA = clock.ASTANA
DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclasses.dataclass(frozen=True)
class Period:
    """Local days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS) -> "Period":
        today = clock.local_today()
        return cls(today - dt.timedelta(days=days - 1), today)

    @property
    def since(self) -> dt.datetime:
        return clock.at_local(self.start, dt.time(0, 0))

    @property
    def until(self) -> dt.datetime:
        return clock.at_local(self.end + dt.timedelta(days=1), dt.time(0, 0))

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclasses.dataclass
class Chart:
    """What static/js/department-charts.js needs to draw one Chart.js chart."""

    type: str
    labels: list
    datasets: list[dict]
    stacked: bool = False
    x_title: str = ""
    y_title: str = ""

    def as_data(self) -> dict:
        return {
            "type": self.type,
            "labels": [str(label) for label in self.labels],
            "datasets": [{**dataset, "label": str(dataset["label"])} for dataset in self.datasets],
            "stacked": self.stacked,
            "x_title": str(self.x_title),
            "y_title": str(self.y_title),
        }


@dataclasses.dataclass
class Report:
    slug: str
    columns: list
    rows: list[list]
    chart: Chart | None = None
    summary: list[tuple] = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)
    # Extra structure a page may show beside the table (the fairness days).
    detail: list = dataclasses.field(default_factory=list)
    # Justified envy per day and market, first come beside the claim window (placement/envy.py).
    envy: list = dataclasses.field(default_factory=list)
    # Columns whose numbers are names, not quantities (a birth year, a seat number).
    label_columns: frozenset = frozenset({0})


def city_events(city: City):
    return SeatEvent.objects.filter(seat__group__kindergarten__city=city)


def language_label(code: str) -> str:
    return str(Language(code).label) if code in Language.values else code


def kindergarten_name(row: dict, prefix: str) -> str:
    names = SimpleNamespace(**{f"name_{code}": row[f"{prefix}name_{code}"] for code in ("kk", "ru", "en")})
    return localized(names, "name")


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
