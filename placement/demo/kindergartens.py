"""The demo city's districts, kindergartens and groups: planned from the seed, then loaded up to the asked count."""

import dataclasses
import random
from collections import Counter

from indigo.choices import GroupType, Language
from placement.demo.common import COHORTS, EXISTING_SINCE, Deck, bulk_create, ids_by, model_from, stream
from placement.demo.names import GROUP_NICKNAMES, PRIVATE_NAMES, STATE_NAMES
from vacancies.models import City, District, Group, Kindergarten, Seat
from vacancies.registry_services import GROUP_FIELDS, KINDERGARTEN_FIELDS


@dataclasses.dataclass(frozen=True)
class DistrictSpec:
    name_kk: str
    name_ru: str
    name_en: str
    streets: tuple[tuple[str, str], ...]


DISTRICTS = (
    DistrictSpec(
        "Жаңа қала",
        "Новый город",
        "New Town",
        (
            ("Республика даңғылы", "пр. Республики"),
            ("Металлургтер даңғылы", "пр. Металлургов"),
            ("Бейбітшілік көшесі", "ул. Мира"),
            ("Жастар көшесі", "ул. Молодёжная"),
        ),
    ),
    DistrictSpec(
        "Ескі қала",
        "Старый город",
        "Old Town",
        (
            ("Абай көшесі", "ул. Абая"),
            ("Жамбыл көшесі", "ул. Жамбыла"),
            ("Мұхтар Әуезов көшесі", "ул. Мухтара Ауэзова"),
            ("Вокзал көшесі", "ул. Вокзальная"),
        ),
    ),
    DistrictSpec(
        "Соцқала",
        "Соцгород",
        "Sotsgorod",
        (
            ("Құрылысшылар көшесі", "ул. Строителей"),
            ("Бауыржан Момышұлы көшесі", "ул. Бауыржана Момышулы"),
            ("Саябақ көшесі", "ул. Парковая"),
        ),
    ),
    DistrictSpec(
        "8-ші шағын аудан",
        "8-й микрорайон",
        "8th Microdistrict",
        (
            ("8-ші шағын аудан", "8-й микрорайон"),
            ("Қазақстан даңғылы", "пр. Казахстан"),
        ),
    ),
    DistrictSpec(
        "Химпосёлок",
        "Химпоселок",
        "Khimposyolok",
        (
            ("Химиктер көшесі", "ул. Химиков"),
            ("Қарағанды көшесі", "ул. Карагандинская"),
            ("Өзен көшесі", "ул. Речная"),
        ),
    ),
)


# Age stage of each cohort in the 2024/25 school year.
AGE_STAGES = {
    2019: ("мектепалды даярлық", "Предшкольная"),
    2020: ("ересек", "Старшая"),
    2021: ("ортаңғы", "Средняя"),
    2022: ("кіші", "Младшая"),
}


SPECIAL_STAGES = {
    GroupType.SPEECH_THERAPY: ("логопедиялық", "Логопедическая"),
    GroupType.CORRECTIONAL: ("түзету", "Коррекционная"),
}


GENERAL_CAPACITY = {2019: (20, 25), 2020: (20, 25), 2021: (18, 22), 2022: (15, 18)}


SPECIAL_CAPACITY = {GroupType.SPEECH_THERAPY: (12, 14), GroupType.CORRECTIONAL: (10, 12)}


@dataclasses.dataclass(frozen=True)
class GroupPlan:
    name: str
    cohort: int
    language: str
    group_type: str
    capacity: int
    occupied: int


@dataclasses.dataclass(frozen=True)
class KindergartenPlan:
    number: int | None
    name_kk: str
    name_ru: str
    name_en: str
    ownership: str
    district: DistrictSpec
    address_kk: str
    address_ru: str
    phone: str
    state_order_places: int
    groups: tuple[GroupPlan, ...]


# What a kindergarten or a group row takes from its plan as it is (the district is looked up, every
# kindergarten opens active): the registry's field list (vacancies/registry_services.py), not a copy.
_PLANNED = tuple(field for field in KINDERGARTEN_FIELDS if field not in ("district", "is_active"))
_GROUP_PLANNED = tuple(field for field in GROUP_FIELDS if field != "is_active")


def demo_kindergartens_plan(*, seed: int, count: int) -> list[KindergartenPlan]:
    rng = stream(seed, "kindergartens")
    state_names = Deck(rng, STATE_NAMES)
    private_names = Deck(rng, PRIVATE_NAMES)
    districts = Deck(rng, DISTRICTS)
    plans = []
    number = 0
    for index in range(count):
        district = districts.draw()
        # The first two are state ones: the demo staff accounts work there.
        private = index >= 2 and rng.random() < 0.15
        street_kk, street_ru = rng.choice(district.streets)
        house = rng.randint(1, 120)
        phone = f"+7 (7213) {rng.randint(90, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        groups = _groups_plan(rng, private=private)
        if private:
            kk, ru, en = private_names.draw()
            suffix = f" {private_names.rounds}" if private_names.rounds > 1 else ""
            name_kk, name_ru, name_en = (
                f"«{kk}{suffix}» жеке балабақшасы",
                f"Частный детский сад «{ru}{suffix}»",
                f"{en}{suffix} private kindergarten",
            )
            kindergarten_number = None
            # Most private kindergartens take state-paid children under public-private partnership.
            total = sum(group.capacity for group in groups)
            state_order = round(total * rng.uniform(0.6, 1.0)) if rng.random() < 0.7 else 0
        else:
            # Numbers have gaps where kindergartens closed long ago.
            number += 1 if index < 2 else rng.choice((1, 1, 1, 2, 3))
            kk, ru, en = state_names.draw()
            name_kk, name_ru, name_en = (
                f"№{number} «{kk}» бөбекжай-балабақшасы",
                f"Ясли-сад №{number} «{ru}»",
                f"Nursery-kindergarten No. {number} “{en}”",
            )
            kindergarten_number = number
            state_order = 0
        plans.append(
            KindergartenPlan(
                number=kindergarten_number,
                name_kk=name_kk,
                name_ru=name_ru,
                name_en=name_en,
                ownership=Kindergarten.Ownership.PRIVATE if private else Kindergarten.Ownership.STATE,
                district=district,
                address_kk=f"Теміртау қ., {street_kk}, {house}",
                address_ru=f"г. Темиртау, {street_ru}, {house}",
                phone=phone,
                state_order_places=state_order,
                groups=tuple(groups),
            )
        )
    return plans


def _groups_plan(rng: random.Random, *, private: bool) -> list[GroupPlan]:
    roll = rng.random()
    if roll < 0.55:
        languages = (Language.KK, Language.RU)
    elif roll < 0.85:
        languages = (Language.KK,)
    else:
        languages = (Language.RU,)
    nicknames = {
        language: rng.sample(GROUP_NICKNAMES[language], len(GROUP_NICKNAMES[language])) for language in languages
    }
    wanted = []
    for cohort in COHORTS:
        for language in languages:
            copies = 2 if not private and rng.random() < 0.2 else 1
            wanted += [(cohort, language, GroupType.GENERAL)] * copies
    if rng.random() < 0.25:
        wanted.append((rng.choice((2019, 2020)), rng.choice(languages), GroupType.SPEECH_THERAPY))
    if not private and rng.random() < 0.08:
        wanted.append((rng.choice((2019, 2020, 2021)), rng.choice(languages), GroupType.CORRECTIONAL))
    groups = []
    for cohort, language, group_type in wanted:
        low, high = SPECIAL_CAPACITY.get(group_type) or GENERAL_CAPACITY[cohort]
        capacity = rng.randint(low, high)
        free = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
        groups.append(
            GroupPlan(
                name=_group_name(nicknames[language].pop(), cohort, language, group_type),
                cohort=cohort,
                language=language,
                group_type=group_type,
                capacity=capacity,
                occupied=capacity - free,
            )
        )
    return groups


def _group_name(nickname: str, cohort: int, language: str, group_type: str) -> str:
    stage_kk, stage_ru = SPECIAL_STAGES.get(group_type) or AGE_STAGES[cohort]
    if language == Language.KK:
        return f"«{nickname}» {stage_kk} тобы ({cohort})"
    return f"{stage_ru} группа «{nickname}» ({cohort})"


def load_districts(city: City, added: Counter) -> dict[str, District]:
    districts = {}
    for spec in DISTRICTS:
        district, created = District.objects.get_or_create(
            city=city, name_ru=spec.name_ru, defaults={"name_kk": spec.name_kk, "name_en": spec.name_en}
        )
        districts[spec.name_ru] = district
        added[District] += created
    return districts


def load_kindergartens(
    city: City, districts: dict[str, District], plans: list[KindergartenPlan], added: Counter
) -> None:
    """Top the city up to len(plans) kindergartens; a new one comes with its groups and their seated children."""
    existing = Kindergarten.objects.filter(city=city)
    missing = len(plans) - existing.count()
    taken_names = set(existing.values_list("name_ru", flat=True))
    taken_numbers = set(existing.exclude(number=None).values_list("number", flat=True))
    fresh = [plan for plan in plans if plan.name_ru not in taken_names and plan.number not in taken_numbers]
    fresh = fresh[: max(missing, 0)]
    if not fresh:
        return
    bulk_create(
        Kindergarten,
        (
            model_from(Kindergarten, plan, *_PLANNED, city=city, district=districts[plan.district.name_ru])
            for plan in fresh
        ),
    )
    ids = ids_by(Kindergarten.objects.filter(city=city), "name_ru", [plan.name_ru for plan in fresh])
    bulk_create(
        Group,
        (
            model_from(Group, group, *_GROUP_PLANNED, kindergarten_id=ids[plan.name_ru])
            for plan in fresh
            for group in plan.groups
        ),
    )
    group_ids = {
        (kindergarten_id, name): pk
        for kindergarten_id, name, pk in Group.objects.filter(kindergarten_id__in=ids.values()).values_list(
            "kindergarten_id", "name", "pk"
        )
    }
    seats = (
        Seat(
            group_id=group_ids[ids[plan.name_ru], group.name],
            state=Seat.State.OCCUPIED,
            source=Seat.Source.EXISTING,
            released_at=EXISTING_SINCE,
            occupied_at=EXISTING_SINCE,
        )
        for plan in fresh
        for group in plan.groups
        for _ in range(group.occupied)
    )
    added[Kindergarten] += len(fresh)
    added[Group] += len(group_ids)
    added[Seat] += bulk_create(Seat, seats)


def plan_order(city: City, plans: list[KindergartenPlan]) -> list[Kindergarten]:
    """The city's kindergartens, those of the plan first in plan order: the demo roles refer to them by place."""
    by_name = {kindergarten.name_ru: kindergarten for kindergarten in Kindergarten.objects.filter(city=city)}
    ordered = [by_name.pop(plan.name_ru) for plan in plans if plan.name_ru in by_name]
    return ordered + sorted(by_name.values(), key=lambda kindergarten: kindergarten.pk)
