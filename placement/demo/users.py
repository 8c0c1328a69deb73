"""The demo accounts: the parents, the kindergartens' staff, the department's officer and the administrator."""

import dataclasses
import datetime as dt
from collections import Counter

from django.contrib.auth.hashers import check_password, make_password

from accounts.models import User
from indigo.iin import make_iin
from placement.demo.common import PHONES_CONFIRMED_AT
from vacancies.models import City, Kindergarten


@dataclasses.dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str


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


def load_users(city: City, kindergartens: list[Kindergarten], password: str, added: Counter) -> dict[str, User]:
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


def describe(user: User) -> DemoAccount:
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
