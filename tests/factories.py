"""factory_boy factories for volume; the named actors live in conftest.py."""

import datetime as dt
import itertools

import factory

from accounts.models import User
from indigo.choices import GroupType, Language
from indigo.clock import at_local
from indigo.iin import make_iin
from placement.models import Application, Child, PrivilegeCategory
from vacancies.models import City, District, Group, Kindergarten

_serials = itertools.count(1)


def valid_iin(birth_date: dt.date, sex: str = "M") -> str:
    while True:
        iin = make_iin(birth_date, sex, next(_serials) % 10000)
        if iin:
            return iin


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"city-{n}")
    code = factory.Sequence(lambda n: f"C{n:02d}"[:3])
    name_kk = factory.Sequence(lambda n: f"Қала {n}")
    name_ru = factory.Sequence(lambda n: f"Город {n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.SubFactory(CityFactory)
    name_kk = factory.Sequence(lambda n: f"Аудан {n}")
    name_ru = factory.Sequence(lambda n: f"Район {n}")


class KindergartenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kindergarten

    district = factory.SubFactory(DistrictFactory)
    city = factory.SelfAttribute("district.city")
    number = factory.Sequence(lambda n: n + 1)
    name_kk = factory.Sequence(lambda n: f"№{n + 1} «Балапан» бөбекжай-балабақшасы")
    name_ru = factory.Sequence(lambda n: f"Ясли-сад №{n + 1} «Балапан»")
    ownership = Kindergarten.Ownership.STATE


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    kindergarten = factory.SubFactory(KindergartenFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    cohort = 2021
    language = Language.KK
    group_type = GroupType.GENERAL
    capacity = 20


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    birth_date = dt.date(2021, 3, 15)
    sex = "M"
    iin = factory.LazyAttribute(lambda o: valid_iin(o.birth_date, o.sex))
    last_name = factory.Sequence(lambda n: f"Әлиев{n}")
    first_name = "Арман"


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    child = factory.SubFactory(ChildFactory)
    city = factory.SubFactory(CityFactory)
    reference = factory.Sequence(lambda n: f"T-{n:06d}")
    cohort = factory.LazyAttribute(lambda o: o.child.birth_date.year)
    language = Language.KK
    group_type = GroupType.GENERAL
    desired_start = dt.date(2024, 9, 1)
    filed_at = factory.Sequence(lambda n: at_local(dt.date(2022, 1, 10), dt.time(9, 0)) + dt.timedelta(minutes=n))


class PrivilegeCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrivilegeCategory
        django_get_or_create = ["city", "code"]

    city = factory.SubFactory(CityFactory)
    code = "large_family"
    tier = PrivilegeCategory.Tier.FIRST
    name_kk = "Көп балалы отбасы"
    name_ru = "Многодетная семья"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.PARENT
    password = factory.django.Password("pass-for-tests")
