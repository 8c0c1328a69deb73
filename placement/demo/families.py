"""The demo city's queue: children, their applications (twins and the demo parents' own children among them),
and their parents' links.
"""

import dataclasses
import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Sequence

from accounts.models import RepresentativeLink, User
from indigo.choices import GroupType, Language
from indigo.clock import at_local
from indigo.iin import make_iin
from placement.demo.common import COHORTS, LAST_FILING_DAY, PHONES_CONFIRMED_AT, bulk_create, ids_by, model_from, stream
from placement.demo.names import (
    FIRST_NAMES,
    KAZAKH_FATHERS,
    KAZAKH_SURNAMES,
    OTHER_PATRONYMICS,
    OTHER_SURNAMES,
    feminine_surname,
)
from placement.demo.privileges import PrivilegePlan, privilege_plan
from placement.models import (
    Application,
    Child,
    Privilege,
    PrivilegeCategory,
)
from vacancies.models import City

# Applicants by cohort: the younger the cohort, the longer its queue.
COHORT_WEIGHTS = (15, 22, 30, 33)


KAZAKH_LANGUAGE_SHARE = 0.65


TWIN_SHARE = 0.006


# What a child row takes from its plan as it is.
_CHILD_PLANNED = ("iin", "last_name", "first_name", "patronymic", "birth_date", "sex")


@dataclasses.dataclass(frozen=True)
class ChildPlan:
    iin: str
    last_name: str
    first_name: str
    patronymic: str
    birth_date: dt.date
    sex: str
    language: str
    group_type: str
    desired_start: dt.date
    filed_at: dt.datetime
    privilege: PrivilegePlan | None = None
    # Username of the demo parent who represents the child, if any.
    parent: str = ""

    @property
    def cohort(self) -> int:
        return self.birth_date.year


class _Serials:
    """Hands out IIN serials per birth date: unique, with a gap between strangers and none between twins."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._next: dict[dt.date, int] = {}

    def take(self, birth_date: dt.date, sexes: Sequence[str]) -> list[str]:
        serial = self._next.get(birth_date)
        if serial is None:
            serial = self._rng.randint(1, 3000)
        while True:
            iins = [make_iin(birth_date, sex, serial + offset) for offset, sex in enumerate(sexes)]
            if all(iins):
                break
            serial += 1
        last = serial + len(sexes) - 1
        if last > 9999:
            raise ValueError(f"No IIN serials left for {birth_date}.")
        # A gap of at least two keeps consecutive serials for twins only.
        self._next[birth_date] = last + self._rng.randint(2, 25)
        return iins


# The demo parents' children, filed early so the parent cabinet has something to claim.
FAMILY_CHILDREN = (
    ("parent", "Серіков", "Нұрислам", "Асқарұлы", dt.date(2021, 1, 4), "M", Language.KK, (2021, 1, 11, 10, 5)),
    ("parent", "Серікова", "Айару", "Асқарқызы", dt.date(2019, 8, 21), "F", Language.KK, (2019, 9, 16, 11, 40)),
    ("parent2", "Павленко", "Милана", "Андреевна", dt.date(2022, 5, 19), "F", Language.RU, (2022, 6, 2, 15, 20)),
)


def demo_children_plan(*, seed: int, count: int) -> list[ChildPlan]:
    """The demo queue: the demo parents' children first, then random families; a prefix of a longer plan."""
    rng = stream(seed, "children")
    serials = _Serials(rng)
    plans: list[ChildPlan] = []
    for parent, last, first, patronymic, birth, sex, language, filed in FAMILY_CHILDREN[:count]:
        (iin,) = serials.take(birth, [sex])
        plans.append(
            ChildPlan(
                iin=iin,
                last_name=last,
                first_name=first,
                patronymic=patronymic,
                birth_date=birth,
                sex=sex,
                language=language,
                group_type=GroupType.GENERAL,
                desired_start=dt.date(birth.year + 3, 9, 1),
                filed_at=at_local(dt.date(*filed[:3]), dt.time(*filed[3:])),
                parent=parent,
            )
        )
    while len(plans) < count:
        siblings = 2 if count - len(plans) >= 2 and rng.random() < TWIN_SHARE else 1
        plans += _family_plan(rng, serials, siblings)
    return plans


def _family_plan(rng: random.Random, serials: _Serials, size: int) -> list[ChildPlan]:
    cohort = rng.choices(COHORTS, weights=COHORT_WEIGHTS)[0]
    year_start = dt.date(cohort, 1, 1)
    birth = year_start + dt.timedelta(days=rng.randrange((dt.date(cohort + 1, 1, 1) - year_start).days))
    language = Language.KK if rng.random() < KAZAKH_LANGUAGE_SHARE else Language.RU
    kazakh = rng.random() < (0.95 if language == Language.KK else 0.45)
    surname = rng.choice(KAZAKH_SURNAMES if kazakh else OTHER_SURNAMES)
    if kazakh:
        father = rng.choice(KAZAKH_FATHERS)
        patronymics = (f"{father}ұлы", f"{father}қызы")
    else:
        male = rng.choice(OTHER_PATRONYMICS)
        patronymics = (male, male[: -len("вич")] + "вна")
    # A few families leave the patronymic out, as the law allows.
    if rng.random() < 0.03:
        patronymics = ("", "")
    roll = rng.random()
    group_type = (
        GroupType.SPEECH_THERAPY if roll < 0.04 else GroupType.CORRECTIONAL if roll < 0.06 else GroupType.GENERAL
    )
    filed_at = _filing_moment(rng, birth)
    desired_start = dt.date(birth.year + rng.choice((1, 2, 2, 3)), 9, 1)
    if desired_start < filed_at.date():
        desired_start = dt.date(filed_at.year + (1 if filed_at.month >= 9 else 0), 9, 1)
    # Twins share the family's privilege and its document.
    privilege = privilege_plan(rng, filed_at)
    sexes = [rng.choice("MF") for _ in range(size)]
    origin = "kazakh" if kazakh else "other"
    first_names: list[str] = []
    for sex in sexes:
        first_names.append(rng.choice([name for name in FIRST_NAMES[origin, sex] if name not in first_names]))
    iins = serials.take(birth, sexes)
    return [
        ChildPlan(
            iin=iin,
            last_name=feminine_surname(surname) if sex == "F" else surname,
            first_name=first_name,
            patronymic=patronymics[sex == "F"],
            birth_date=birth,
            sex=sex,
            language=language,
            group_type=group_type,
            desired_start=desired_start,
            filed_at=filed_at,
            privilege=privilege,
        )
        for iin, sex, first_name in zip(iins, sexes, first_names, strict=True)
    ]


def _filing_moment(rng: random.Random, birth: dt.date) -> dt.datetime:
    earliest = birth + dt.timedelta(days=3)
    # Most parents file within weeks of the birth certificate; the rest years later.
    delay = int(rng.expovariate(1 / 45)) if rng.random() < 0.7 else rng.randrange(3 * 365)
    day = earliest + dt.timedelta(days=delay)
    if day > LAST_FILING_DAY:
        day = earliest + dt.timedelta(days=rng.randrange((LAST_FILING_DAY - earliest).days + 1))
    return at_local(day, dt.time(rng.randint(8, 22), rng.randrange(60), rng.randrange(60)))


def load_queue(
    city: City,
    plans: list[ChildPlan],
    categories: dict[str, PrivilegeCategory],
    users: dict[str, User],
    added: Counter,
) -> None:
    """Top the city's queue up to len(plans) applications, each with its child and privilege."""
    missing = len(plans) - Application.objects.filter(city=city).count()
    if missing <= 0:
        return
    known_children = ids_by(Child.objects, "iin", [plan.iin for plan in plans])
    fresh = [plan for plan in plans if plan.iin not in known_children][:missing]
    if not fresh:
        return
    added[Child] += bulk_create(
        Child,
        (model_from(Child, plan, *_CHILD_PLANNED) for plan in fresh),
    )
    child_ids = ids_by(Child.objects, "iin", [plan.iin for plan in fresh])
    references = _reference_maker(city)
    referenced = [(references(plan.cohort), plan) for plan in fresh]
    added[Application] += bulk_create(
        Application,
        (
            Application(
                reference=reference,
                child_id=child_ids[plan.iin],
                city=city,
                cohort=plan.cohort,
                language=plan.language,
                group_type=plan.group_type,
                desired_start=plan.desired_start,
                filed_at=plan.filed_at,
                filed_by=users.get(plan.parent),
            )
            for reference, plan in referenced
        ),
    )
    privileged = [(reference, plan.privilege) for reference, plan in referenced if plan.privilege]
    application_ids = ids_by(Application.objects, "reference", [reference for reference, _ in privileged])
    officer = users["officer"]
    added[Privilege] += bulk_create(
        Privilege,
        (
            Privilege(
                application_id=application_ids[reference],
                category=categories[privilege.code],
                evidence=privilege.evidence,
                state=privilege.state,
                expires_on=privilege.expires_on,
                claimed_at=privilege.claimed_at,
                decided_at=privilege.decided_at,
                decided_by=officer if privilege.decided_at else None,
                decision_reason=privilege.decision_reason,
            )
            for reference, privilege in privileged
        ),
    )


def _reference_maker(city: City):
    """Next free references per cohort, e.g. TMT-21-000123, continuing after those the city already has."""
    pattern = re.compile(rf"^{re.escape(city.code)}-(\d\d)-(\d+)$")
    last: Counter = Counter()
    for reference in Application.objects.filter(reference__startswith=f"{city.code}-").values_list(
        "reference", flat=True
    ):
        match = pattern.match(reference)
        if match:
            last[match[1]] = max(last[match[1]], int(match[2]))

    def next_reference(cohort: int) -> str:
        key = f"{cohort % 100:02d}"
        last[key] += 1
        return f"{city.code}-{key}-{last[key]:06d}"

    return next_reference


def load_links(plans: list[ChildPlan], users: dict[str, User], added: Counter) -> None:
    wanted = [plan for plan in plans if plan.parent]
    child_ids = ids_by(Child.objects, "iin", [plan.iin for plan in wanted])
    for plan in wanted:
        if plan.iin not in child_ids:
            continue
        _, created = RepresentativeLink.objects.get_or_create(
            user=users[plan.parent],
            child_id=child_ids[plan.iin],
            defaults={
                "relation": RepresentativeLink.Relation.PARENT,
                "state": RepresentativeLink.State.VERIFIED,
                "decided_at": PHONES_CONFIRMED_AT,
                "decided_by": users["officer"],
            },
        )
        added[RepresentativeLink] += created
