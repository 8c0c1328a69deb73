"""The demo city's privilege categories, and which applicants hold a privilege."""

import dataclasses
import datetime as dt
import random
from collections import Counter

from indigo.clock import at_local
from placement.demo.common import LAST_FILING_DAY
from placement.models import (
    Privilege,
    PrivilegeCategory,
)
from vacancies.models import City


@dataclasses.dataclass(frozen=True)
class CategorySpec:
    code: str
    tier: str
    name_kk: str
    name_ru: str
    name_en: str
    evidence: str
    # How long the supporting document stays valid, in days; None: until the child goes to school.
    valid_days: int | None
    weight: int


CATEGORIES = (
    CategorySpec(
        "military",
        PrivilegeCategory.Tier.EXTRAORDINARY,
        "Әскери қызметшілердің балалары",
        "Дети военнослужащих",
        "Children of servicemen",
        "Әскери бөлімнің анықтамасы / справка воинской части",
        365,
        7,
    ),
    CategorySpec(
        "special_state_bodies",
        PrivilegeCategory.Tier.EXTRAORDINARY,
        "Арнаулы мемлекеттік органдар қызметкерлерінің балалары",
        "Дети сотрудников специальных государственных органов",
        "Children of special state bodies' staff",
        "Қызмет орнынан анықтама / справка с места службы",
        365,
        3,
    ),
    CategorySpec(
        "disabled_parent",
        PrivilegeCategory.Tier.FIRST,
        "Ата-анасының біреуі мүгедектігі бар балалар",
        "Дети, один из родителей которых имеет инвалидность",
        "Children of a parent with a disability",
        "Мүгедектік туралы анықтама / справка об инвалидности",
        730,
        15,
    ),
    CategorySpec(
        "orphan",
        PrivilegeCategory.Tier.FIRST,
        "Жетім балалар және ата-анасының қамқорлығынсыз қалған балалар",
        "Дети-сироты и дети, оставшиеся без попечения родителей",
        "Orphans and children without parental care",
        "Қорғаншылық органының шешімі / решение органа опеки",
        None,
        8,
    ),
    CategorySpec(
        "large_family",
        PrivilegeCategory.Tier.FIRST,
        "Көпбалалы отбасылардың балалары",
        "Дети из многодетных семей",
        "Children from large families",
        "Көпбалалы отбасы куәлігі / удостоверение многодетной семьи",
        None,
        45,
    ),
    CategorySpec(
        "special_needs",
        PrivilegeCategory.Tier.FIRST,
        "Ерекше білім беру қажеттіліктері бар балалар",
        "Дети с особыми образовательными потребностями",
        "Children with special educational needs",
        "ПМПК қорытындысы / заключение ПМПК",
        365,
        20,
    ),
    CategorySpec(
        "disabled_child_family",
        PrivilegeCategory.Tier.FIRST,
        "Мүгедектігі бар баланы тәрбиелеп отырған отбасылардың балалары",
        "Дети из семей, воспитывающих ребёнка с инвалидностью",
        "Children from families raising a child with a disability",
        "Баланың мүгедектігі туралы анықтама / справка об инвалидности ребёнка",
        730,
        12,
    ),
)


RENEWED_UNTIL_AT_LEAST = dt.date(2024, 9, 1)


EXTRAORDINARY_SHARE = 0.02


FIRST_PRIORITY_SHARE = 0.12


@dataclasses.dataclass(frozen=True)
class PrivilegePlan:
    code: str
    state: str
    evidence: str
    claimed_at: dt.datetime
    decided_at: dt.datetime | None
    expires_on: dt.date | None
    decision_reason: str = ""


def privilege_plan(rng: random.Random, filed_at: dt.datetime) -> PrivilegePlan | None:
    roll = rng.random()
    if roll < EXTRAORDINARY_SHARE:
        tier = PrivilegeCategory.Tier.EXTRAORDINARY
    elif roll < EXTRAORDINARY_SHARE + FIRST_PRIORITY_SHARE:
        tier = PrivilegeCategory.Tier.FIRST
    else:
        return None
    candidates = [spec for spec in CATEGORIES if spec.tier == tier]
    spec = rng.choices(candidates, weights=[spec.weight for spec in candidates])[0]
    last_moment = at_local(LAST_FILING_DAY, dt.time(18, 0))
    state_roll = rng.random()
    if state_roll < 0.12:
        # Still waiting for the department: claimed in the last weeks.
        state = Privilege.State.PENDING
        recent = at_local(LAST_FILING_DAY - dt.timedelta(days=rng.randrange(20)), dt.time(rng.randint(9, 17)))
        claimed_at = max(filed_at, recent)
    else:
        state = Privilege.State.REJECTED if state_roll > 0.97 else Privilege.State.CONFIRMED
        claimed_at = filed_at
        if rng.random() < 0.2:
            claimed_at = min(filed_at + dt.timedelta(days=rng.randint(10, 400)), last_moment)
    decided_at = None
    if state != Privilege.State.PENDING:
        decided_at = claimed_at + dt.timedelta(days=rng.randint(1, 7), hours=rng.randint(0, 6))
    expires_on = None
    if spec.valid_days and state != Privilege.State.REJECTED:
        expires_on = claimed_at.date() + dt.timedelta(days=spec.valid_days)
        # Families renew the document, so a live privilege outlasts the 2024 recruitment.
        while expires_on < RENEWED_UNTIL_AT_LEAST:
            expires_on += dt.timedelta(days=spec.valid_days)
    return PrivilegePlan(
        code=spec.code,
        state=state,
        evidence=f"{spec.evidence} №{rng.randint(1000, 99999)}",
        claimed_at=claimed_at,
        decided_at=decided_at,
        expires_on=expires_on,
        decision_reason="Құжат расталмады / документ не подтверждён" if state == Privilege.State.REJECTED else "",
    )


def load_categories(city: City, added: Counter) -> dict[str, PrivilegeCategory]:
    categories = {}
    for spec in CATEGORIES:
        category, created = PrivilegeCategory.objects.get_or_create(
            city=city,
            code=spec.code,
            defaults={"tier": spec.tier, "name_kk": spec.name_kk, "name_ru": spec.name_ru, "name_en": spec.name_en},
        )
        categories[spec.code] = category
        added[PrivilegeCategory] += created
    return categories
