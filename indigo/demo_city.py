"""The demo city: Temirtau with its districts, kindergartens, groups, queue, summer schedule and demo accounts.

Every random choice comes from a random.Random stream named after the seed, so one seed always
draws the same city. Loading tops up: reference rows are matched on their natural keys, and the
volume (kindergartens, applications) is filled up to the requested number, so a second run adds
nothing and a run with a larger number adds only the difference.
"""

import dataclasses
import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.db.models import Count, Q, Sum

from accounts.models import RepresentativeLink, User
from indigo.choices import GroupType, Language
from indigo.clock import at_local
from indigo.iin import make_iin
from placement.models import (
    Application,
    Child,
    Privilege,
    PrivilegeCategory,
)
from vacancies.models import (
    City,
    District,
    Group,
    Kindergarten,
    ScheduleLogEntry,
    Seat,
    SummerWindow,
    SummerWindowChange,
)

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

CITY = {
    "slug": "temirtau",
    "code": "TMT",
    "name_kk": "Теміртау",
    "name_ru": "Темиртау",
    "name_en": "Temirtau",
    "region_kk": "Қарағанды облысы",
    "region_ru": "Карагандинская область",
}


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

# (kk, ru, en) spellings of kindergarten names.
STATE_NAMES = (
    ("Балапан", "Балапан", "Balapan"),
    ("Айгөлек", "Айголек", "Aigolek"),
    ("Ақбота", "Акбота", "Akbota"),
    ("Күншуақ", "Куншуак", "Kunshuak"),
    ("Еркетай", "Еркетай", "Erketai"),
    ("Болашақ", "Болашак", "Bolashak"),
    ("Балдырған", "Балдырган", "Baldyrgan"),
    ("Құлыншақ", "Кулыншак", "Kulynshak"),
    ("Ақжелкен", "Акжелкен", "Akzhelken"),
    ("Бөбек", "Бобек", "Bobek"),
    ("Айналайын", "Айналайын", "Ainalaiyn"),
    ("Қызғалдақ", "Кызгалдак", "Kyzgaldak"),
    ("Шұғыла", "Шугыла", "Shugyla"),
    ("Ақбөпе", "Акбопе", "Akbope"),
    ("Нұршуақ", "Нуршуак", "Nurshuak"),
    ("Мөлдір", "Молдир", "Moldir"),
    ("Арайлым", "Арайлым", "Arailym"),
    ("Бәйтерек", "Байтерек", "Baiterek"),
    ("Қарлығаш", "Карлыгаш", "Karlygash"),
    ("Жауқазын", "Жауказын", "Zhaukazyn"),
    ("Ертегі", "Ертеги", "Ertegi"),
    ("Гүлдер", "Гульдер", "Gulder"),
    ("Солнышко", "Солнышко", "Solnyshko"),
    ("Ромашка", "Ромашка", "Romashka"),
    ("Теремок", "Теремок", "Teremok"),
    ("Радуга", "Радуга", "Raduga"),
    ("Алёнушка", "Алёнушка", "Alyonushka"),
    ("Золотой ключик", "Золотой ключик", "Golden Key"),
)
PRIVATE_NAMES = (
    ("Зерде", "Зерде", "Zerde"),
    ("Ақылды бала", "Акылды бала", "Akyldy Bala"),
    ("Кішкентай ханзада", "Маленький принц", "Little Prince"),
    ("Smart Kids", "Smart Kids", "Smart Kids"),
    ("Little Star", "Little Star", "Little Star"),
    ("Монтессори үйі", "Дом Монтессори", "Montessori House"),
    ("Данышпан", "Данышпан", "Danyshpan"),
    ("Балауса", "Балауса", "Balausa"),
    ("Тамшы", "Тамшы", "Tamshy"),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Group names are "nicknames" the kindergarten gives; unique inside one kindergarten.
GROUP_NICKNAMES = {
    Language.KK: _words(
        "Жұлдыз Күнекей Балбөбек Ботақан Қарлығаш Нұрбөбек Балақай Айсұлу Ақбөпе Көбелек Шаттық Бұлбұл "
        "Ақсұңқар Қуаныш Таңшолпан Гүлдер"
    ),
    Language.RU: _words(
        "Солнышко Звёздочка Ромашка Колокольчик Радуга Капелька Пчёлка Улыбка Светлячок Одуванчик Непоседы "
        "Почемучки Ладушки Сказка Дельфинчик Берёзка"
    ),
}
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

# The city department's 2024 dates: (priority start, priority end, general access).
SUMMER_2024 = {
    2021: (dt.date(2024, 6, 3), dt.date(2024, 6, 5), dt.date(2024, 6, 6)),
    2020: (dt.date(2024, 6, 10), dt.date(2024, 6, 12), dt.date(2024, 6, 13)),
    2019: (dt.date(2024, 6, 17), dt.date(2024, 6, 19), dt.date(2024, 6, 20)),
    2022: (dt.date(2024, 6, 17), dt.date(2024, 6, 19), dt.date(2024, 6, 20)),
}
SCHEDULE_APPROVED_REASON = "Жазғы жинақтау кестесі бекітілді / График летнего комплектования утверждён"


@dataclasses.dataclass(frozen=True)
class ScheduleChangeSpec:
    kindergarten_index: int
    cohort: int
    dates: tuple[dt.date, dt.date, dt.date]
    reason: str
    at: dt.datetime


SCHEDULE_CHANGES = (
    ScheduleChangeSpec(
        2,
        2021,
        (dt.date(2024, 6, 17), dt.date(2024, 6, 19), dt.date(2024, 6, 20)),
        "Ағымдағы жөндеу / текущий ремонт",
        at_local(dt.date(2024, 5, 28), dt.time(11, 15)),
    ),
    ScheduleChangeSpec(
        4,
        2019,
        (dt.date(2024, 6, 24), dt.date(2024, 6, 26), dt.date(2024, 6, 27)),
        "Су құбырын ауыстыру / замена водопровода",
        at_local(dt.date(2024, 6, 7), dt.time(16, 40)),
    ),
)

# Surnames in their male form; feminine_surname() gives the female one.
KAZAKH_SURNAMES = _words(
    "Ахметов Серіков Жұмабаев Сәрсенбаев Қасымов Есімов Тоқтаров Нұрланов Бекмұханов Омаров Әбдірахманов "
    "Мұқанов Сейітов Құсайынов Жақыпов Исаев Төлегенов Оспанов Байжанов Ермеков Смағұлов Қожахметов Әлиев "
    "Мусин Сапаров Қалиев Дүйсенов Тұрсынов Болатұлы Нұрғалиұлы"
)
OTHER_SURNAMES = _words(
    "Иванов Петров Кузнецов Смирнов Попов Васильев Соколов Михайлов Новиков Фёдоров Морозов Волков Лебедев "
    "Козлов Захаров Никитин Орлов Семёнов Яковлев Павленко Шевченко Бондаренко Ковальчук Ким Цой Гербер Шульц"
)
KAZAKH_FATHERS = _words(
    "Асқар Ерлан Нұрлан Ержан Бауыржан Дәулет Қайрат Серік Болат Талғат Асхат Мұрат Ғалым Арман Жандос Ербол "
    "Азамат Данияр Руслан Марат Самат Айдос Нұржан Әділет"
)
# Male forms; the female one swaps the closing "вич" for "вна".
OTHER_PATRONYMICS = _words(
    "Александрович Сергеевич Андреевич Дмитриевич Владимирович Евгеньевич Алексеевич Игоревич Викторович "
    "Николаевич Олегович Павлович Иванович Денисович"
)
FIRST_NAMES = {
    ("kazakh", "M"): _words(
        "Нұрислам Әлихан Ерасыл Арсен Айсұлтан Нұрасыл Ахмет Омар Рамазан Әмір Медет Ерназар Бексұлтан Ислам "
        "Мирас Темірлан Санжар Диас Алдияр Нұрсұлтан"
    ),
    ("kazakh", "F"): _words(
        "Айару Айлин Аружан Томирис Раяна Медина Жасмин Інжу Аяла Айша Хадиша Асылым Нұрай Ақбота Әмина Дания "
        "Аяулым Жанель Сезім Мейірім"
    ),
    ("other", "M"): _words(
        "Александр Максим Артём Михаил Иван Дмитрий Кирилл Матвей Тимофей Лев Марк Егор Даниил Роман Никита"
    ),
    ("other", "F"): _words(
        "Анна Мария Виктория Алиса София Полина Ева Варвара Милана Ксения Дарья Вероника Василиса Таисия Ульяна"
    ),
}
# Applicants by cohort: the younger the cohort, the longer its queue.
COHORT_WEIGHTS = (15, 22, 30, 33)
KAZAKH_LANGUAGE_SHARE = 0.65
TWIN_SHARE = 0.006


def feminine_surname(surname: str) -> str:
    if surname.endswith("ұлы"):
        return surname[: -len("ұлы")] + "қызы"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    # Ukrainian, Korean and German surnames do not change.
    return surname


# ---------------------------------------------------------------------------
# Plans: plain data drawn from the seed, no database.


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


@dataclasses.dataclass(frozen=True)
class PrivilegePlan:
    code: str
    state: str
    evidence: str
    claimed_at: dt.datetime
    decided_at: dt.datetime | None
    expires_on: dt.date | None
    decision_reason: str = ""


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


def _stream(seed: int, part: str) -> random.Random:
    # A separate stream per part keeps, for example, the children the same whatever the kindergarten count.
    return random.Random(f"indigo-demo/{seed}/{part}")


class _Deck:
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


def demo_kindergartens_plan(*, seed: int, count: int) -> list[KindergartenPlan]:
    rng = _stream(seed, "kindergartens")
    state_names = _Deck(rng, STATE_NAMES)
    private_names = _Deck(rng, PRIVATE_NAMES)
    districts = _Deck(rng, DISTRICTS)
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
    rng = _stream(seed, "children")
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
    privilege = _privilege_plan(rng, filed_at)
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


def _privilege_plan(rng: random.Random, filed_at: dt.datetime) -> PrivilegePlan | None:
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


# ---------------------------------------------------------------------------
# Loading.


@dataclasses.dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str


@dataclasses.dataclass(frozen=True)
class DemoCitySummary:
    city: City
    districts: int
    kindergartens: int
    groups: int
    places: int
    taken: int
    applications: int
    privileged: int
    summer_windows: int
    summer_changes: int
    # Rows this run inserted, by model.
    added: Counter
    accounts: list[DemoAccount]

    @property
    def added_total(self) -> int:
        return sum(self.added.values())


def demo_city_load(
    *,
    seed: int = DEFAULT_SEED,
    children: int = DEFAULT_CHILDREN,
    kindergartens: int = DEFAULT_KINDERGARTENS,
    password: str,
) -> DemoCitySummary:
    """Load Temirtau, or top it up to the asked sizes; one transaction, so a failure leaves nothing behind."""
    kindergarten_plans = demo_kindergartens_plan(seed=seed, count=kindergartens)
    child_plans = demo_children_plan(seed=seed, count=children)
    added: Counter = Counter()
    with transaction.atomic():
        city, created = City.objects.get_or_create(slug=CITY["slug"], defaults=CITY)
        added[City] += created
        districts = _load_districts(city, added)
        _load_kindergartens(city, districts, kindergarten_plans, added)
        listed = _plan_order(city, kindergarten_plans)
        categories = _load_categories(city, added)
        accounts = _load_users(city, listed, password, added)
        _load_schedule(city, listed, accounts["officer"], added)
        _load_queue(city, child_plans, categories, accounts, added)
        _load_links(child_plans, accounts, added)
        return _summarize(city, added, accounts)


def _load_districts(city: City, added: Counter) -> dict[str, District]:
    districts = {}
    for spec in DISTRICTS:
        district, created = District.objects.get_or_create(
            city=city, name_ru=spec.name_ru, defaults={"name_kk": spec.name_kk, "name_en": spec.name_en}
        )
        districts[spec.name_ru] = district
        added[District] += created
    return districts


def _load_kindergartens(
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
    _bulk_create(
        Kindergarten,
        (
            Kindergarten(
                city=city,
                district=districts[plan.district.name_ru],
                number=plan.number,
                name_kk=plan.name_kk,
                name_ru=plan.name_ru,
                name_en=plan.name_en,
                ownership=plan.ownership,
                address_kk=plan.address_kk,
                address_ru=plan.address_ru,
                phone=plan.phone,
                state_order_places=plan.state_order_places,
            )
            for plan in fresh
        ),
    )
    ids = _ids(Kindergarten.objects.filter(city=city), "name_ru", [plan.name_ru for plan in fresh])
    _bulk_create(
        Group,
        (
            Group(
                kindergarten_id=ids[plan.name_ru],
                name=group.name,
                cohort=group.cohort,
                language=group.language,
                group_type=group.group_type,
                capacity=group.capacity,
            )
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
    added[Seat] += _bulk_create(Seat, seats)


def _plan_order(city: City, plans: list[KindergartenPlan]) -> list[Kindergarten]:
    """The city's kindergartens, those of the plan first in plan order: the demo roles refer to them by place."""
    by_name = {kindergarten.name_ru: kindergarten for kindergarten in Kindergarten.objects.filter(city=city)}
    ordered = [by_name.pop(plan.name_ru) for plan in plans if plan.name_ru in by_name]
    return ordered + sorted(by_name.values(), key=lambda kindergarten: kindergarten.pk)


def _load_categories(city: City, added: Counter) -> dict[str, PrivilegeCategory]:
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


def _adult_iin(birth_date: dt.date, sex: str) -> str:
    serial = 4217
    while (iin := make_iin(birth_date, sex, serial)) is None:
        serial += 1
    return iin


class _PasswordHash:
    """One slow hash shared by all demo accounts, and an account that already has the password keeps its own."""

    def __init__(self, password: str):
        self._password = password
        self._checked: dict[str, bool] = {}
        self._fresh = ""

    def for_user(self, user: User) -> str:
        # Keeping a matching hash keeps the account's sessions alive across runs.
        if user.password:
            if user.password not in self._checked:
                self._checked[user.password] = check_password(self._password, user.password)
            if self._checked[user.password]:
                return user.password
        self._fresh = self._fresh or make_password(self._password)
        return self._fresh


def _load_users(city: City, kindergartens: list[Kindergarten], password: str, added: Counter) -> dict[str, User]:
    password_hash = _PasswordHash(password)
    first = kindergartens[:1]
    second = kindergartens[1:2]
    specs = {
        "admin": {"role": User.Role.ADMIN, "is_staff": True, "is_superuser": True, "first_name": "Жүйе әкімшісі"},
        "officer": {
            "role": User.Role.OFFICER,
            "is_staff": True,
            "city": city,
            "first_name": "Динара",
            "last_name": "Жақыпова",
        },
        "staff": {"role": User.Role.STAFF, "first_name": "Гүлнар", "last_name": "Омарова"},
        "staff2": {"role": User.Role.STAFF, "first_name": "Елена", "last_name": "Ковалёва", "language": "ru"},
        "parent": {
            "role": User.Role.PARENT,
            "first_name": "Асқар",
            "last_name": "Серіков",
            "iin": _adult_iin(dt.date(1988, 4, 12), "M"),
            "phone": "+77010000001",
            "phone_confirmed_at": PHONES_CONFIRMED_AT,
        },
        "parent2": {
            "role": User.Role.PARENT,
            "first_name": "Ирина",
            "last_name": "Павленко",
            "iin": _adult_iin(dt.date(1991, 9, 3), "F"),
            "phone": "+77010000002",
            "phone_confirmed_at": PHONES_CONFIRMED_AT,
            "language": "ru",
        },
    }
    users = {}
    for username, fields in specs.items():
        user = User.objects.filter(username=username).first()
        added[User] += user is None
        user = user or User(username=username)
        # Demo accounts belong to the loader: their role and password are put back on every run.
        for field, value in fields.items():
            setattr(user, field, value)
        user.password = password_hash.for_user(user)
        user.is_active = True
        user.save()
        users[username] = user
    users["staff"].kindergartens.add(*first)
    users["staff2"].kindergartens.add(*second)
    return users


def _dates(priority_start: dt.date, priority_end: dt.date, general_date: dt.date) -> dict[str, str]:
    return {
        "priority_start": priority_start.isoformat(),
        "priority_end": priority_end.isoformat(),
        "general_date": general_date.isoformat(),
    }


def _load_schedule(city: City, kindergartens: list[Kindergarten], officer: User, added: Counter) -> None:
    windows = {}
    for cohort, (start, end, general) in SUMMER_2024.items():
        window, created = SummerWindow.objects.get_or_create(
            city=city,
            year=SCHEDULE_YEAR,
            cohort=cohort,
            defaults={"priority_start": start, "priority_end": end, "general_date": general},
        )
        windows[cohort] = window
        if created:
            added[SummerWindow] += 1
            added[ScheduleLogEntry] += 1
            ScheduleLogEntry.objects.create(
                city=city,
                year=SCHEDULE_YEAR,
                cohort=cohort,
                at=SCHEDULE_APPROVED_AT,
                actor=officer,
                before={},
                after=_dates(start, end, general),
                reason=SCHEDULE_APPROVED_REASON,
            )
    if not kindergartens:
        return
    for spec in SCHEDULE_CHANGES:
        window = windows[spec.cohort]
        kindergarten = kindergartens[min(spec.kindergarten_index, len(kindergartens) - 1)]
        start, end, general = spec.dates
        _, created = SummerWindowChange.objects.get_or_create(
            window=window,
            kindergarten=kindergarten,
            defaults={
                "priority_start": start,
                "priority_end": end,
                "general_date": general,
                "reason": spec.reason,
                "created_at": spec.at,
                "created_by": officer,
            },
        )
        if created:
            added[SummerWindowChange] += 1
            added[ScheduleLogEntry] += 1
            ScheduleLogEntry.objects.create(
                city=city,
                year=SCHEDULE_YEAR,
                cohort=spec.cohort,
                kindergarten=kindergarten,
                at=spec.at,
                actor=officer,
                before=_dates(window.priority_start, window.priority_end, window.general_date),
                after=_dates(start, end, general),
                reason=spec.reason,
            )


def _load_queue(
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
    known_children = _ids(Child.objects, "iin", [plan.iin for plan in plans])
    fresh = [plan for plan in plans if plan.iin not in known_children][:missing]
    if not fresh:
        return
    added[Child] += _bulk_create(
        Child,
        (
            Child(
                iin=plan.iin,
                last_name=plan.last_name,
                first_name=plan.first_name,
                patronymic=plan.patronymic,
                birth_date=plan.birth_date,
                sex=plan.sex,
            )
            for plan in fresh
        ),
    )
    child_ids = _ids(Child.objects, "iin", [plan.iin for plan in fresh])
    references = _reference_maker(city)
    referenced = [(references(plan.cohort), plan) for plan in fresh]
    added[Application] += _bulk_create(
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
    application_ids = _ids(Application.objects, "reference", [reference for reference, _ in privileged])
    officer = users["officer"]
    added[Privilege] += _bulk_create(
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


def _load_links(plans: list[ChildPlan], users: dict[str, User], added: Counter) -> None:
    wanted = [plan for plan in plans if plan.parent]
    child_ids = _ids(Child.objects, "iin", [plan.iin for plan in wanted])
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


def _summarize(city: City, added: Counter, users: dict[str, User]) -> DemoCitySummary:
    groups = Group.objects.filter(kindergarten__city=city).aggregate(count=Count("pk"), places=Sum("capacity"))
    applications = Application.objects.filter(city=city)
    live_privilege = Q(privileges__state__in=Privilege.COUNTING_STATES)
    return DemoCitySummary(
        city=city,
        districts=city.districts.count(),
        kindergartens=city.kindergartens.count(),
        groups=groups["count"],
        places=groups["places"] or 0,
        taken=Seat.objects.filter(group__kindergarten__city=city, state__in=Seat.HOLDING_STATES).count(),
        applications=applications.count(),
        privileged=applications.filter(live_privilege).distinct().count(),
        summer_windows=SummerWindow.objects.filter(city=city, year=SCHEDULE_YEAR).count(),
        summer_changes=SummerWindowChange.objects.filter(window__city=city, window__year=SCHEDULE_YEAR).count(),
        added=added,
        accounts=[_describe(user) for user in users.values()],
    )


def _describe(user: User) -> DemoAccount:
    if user.role == User.Role.OFFICER:
        scope = str(user.city)
    elif user.role == User.Role.STAFF:
        scope = ", ".join(str(kindergarten) for kindergarten in user.kindergartens.all()) or "no kindergarten yet"
    elif user.role == User.Role.PARENT:
        children = [link.child for link in user.child_links.select_related("child")]
        scope = ", ".join(f"{child.first_name} {child.last_name}" for child in children) or "no children yet"
    else:
        scope = "everything"
    return DemoAccount(username=user.username, role=user.get_role_display(), scope=scope)


def _chunks(items: Sequence, size: int = BATCH) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ids(queryset: models.QuerySet | models.Manager, field: str, values: Sequence[str]) -> dict[str, int]:
    """Primary keys by a unique field, asked in chunks so SQLite's parameter limit never bites."""
    found: dict[str, int] = {}
    for chunk in _chunks(list(values)):
        found.update(queryset.filter(**{f"{field}__in": chunk}).values_list(field, "pk"))
    return found


def _bulk_create(model: type[models.Model], rows: Iterable[models.Model]) -> int:
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
