"""Issue 14, item 1: the same IIN or phone written in another script's digits is the same IIN or phone.

Every decimal digit set Unicode knows (category Nd: Arabic-Indic, Persian, Devanagari, fullwidth…)
is read as 0-9, so a blocked parent cannot open a second cabinet with "another" IIN; digit-like
characters that are no decimal digits (superscripts, subscripts, circled: category No) are refused.
The database refuses anything but ASCII digits behind the forms.
"""

import sys
import unicodedata

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from accounts.identity import find_user, normalize_phone
from accounts.models import AuditLog, User
from accounts.services.signup import parent_iin_check
from indigo.digits import NotDigits, ascii_digits
from indigo.errors import ServiceError
from indigo.iin import InvalidIIN, parse_iin
from placement.models import Child
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests"
PARENT_IIN = "900515400123"  # the named parent's (tests/conftest.py)
PARENT_PHONE = "+77010000001"


def _decimal_scripts() -> dict[str, str]:
    """Every Unicode decimal digit set (Nd) but ASCII, as its ten digits, named after its zero."""
    scripts = {}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) == "Nd" and unicodedata.decimal(char) == 0 and code > 0x7F:
            digits = "".join(chr(code + n) for n in range(10))
            # A few sets (mathematical digits) run on past 9 into the next set: all ten are still 0-9.
            if all(unicodedata.decimal(d, None) == n for n, d in enumerate(digits)):
                scripts[unicodedata.name(char, f"U+{code:04X}")] = digits
    return scripts


DECIMAL_SCRIPTS = _decimal_scripts()
# Digit-like characters that are no decimal digits: refused, never read as 0-9.
NOT_DECIMAL = {
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "subscript": "₀₁₂₃₄₅₆₇₈₉",
    "circled": "⓪①②③④⑤⑥⑦⑧⑨",
    "dingbat negative circled": "➓➊➋➌➍➎➏➐➑➒",
}


def written_in(digits: str, text: str) -> str:
    return "".join(digits[int(c)] if c.isascii() and c.isdigit() else c for c in text)


def test_it_knows_every_unicode_digit_set():
    # Arabic-Indic, Persian, Devanagari, Bengali, Thai, fullwidth… dozens of sets, all read as 0-9.
    assert len(DECIMAL_SCRIPTS) > 50
    assert "FULLWIDTH DIGIT ZERO" in DECIMAL_SCRIPTS
    assert "ARABIC-INDIC DIGIT ZERO" in DECIMAL_SCRIPTS
    for digits in DECIMAL_SCRIPTS.values():
        assert ascii_digits(digits) == "0123456789"
    for digits in NOT_DECIMAL.values():
        for char in digits:
            with pytest.raises(NotDigits):
                ascii_digits(f"90051540012{char}")


@pytest.mark.parametrize("name", sorted(DECIMAL_SCRIPTS))
def test_it_refuses_unicode_digits_in_iin_as_a_second_account_R_A_3(parent, name):
    """Sign-up with the blocked parent's IIN in any script's digits finds the IIN taken."""
    iin = written_in(DECIMAL_SCRIPTS[name], PARENT_IIN)
    assert parse_iin(iin).value == PARENT_IIN
    with pytest.raises(ServiceError) as refused:
        parent_iin_check(iin)
    assert refused.value.code == "iin_taken"
    assert find_user(iin) == parent
    assert normalize_phone(written_in(DECIMAL_SCRIPTS[name], PARENT_PHONE)) == PARENT_PHONE


@pytest.mark.parametrize("name", sorted(NOT_DECIMAL))
def test_it_refuses_digit_like_characters_in_iin_and_phone(parent, name):
    for position in range(12):
        iin = PARENT_IIN[:position] + NOT_DECIMAL[name][int(PARENT_IIN[position])] + PARENT_IIN[position + 1 :]
        with pytest.raises(InvalidIIN):
            parse_iin(iin)
        assert find_user(iin) is None
    assert normalize_phone(written_in(NOT_DECIMAL[name], PARENT_PHONE)) is None


def test_it_refuses_unicode_digits_in_iin_at_sign_up_R_A_2(client, parent):
    """The blocked parent's IIN in any script's digits is read as that IIN: never a second account.
    (Sign-up answers a taken IIN as a new one and sends no code: item 4, test_account_enumeration.py.)"""
    names = [*DECIMAL_SCRIPTS, *NOT_DECIMAL]
    for index, name in enumerate(names):
        phone = f"+7701555{index:04d}"  # one code a minute per phone: each try its own
        cache.clear()  # the sign-up and code limits per address are not what this test is about
        digits = DECIMAL_SCRIPTS.get(name) or NOT_DECIMAL[name]
        data = {
            "iin": written_in(digits, PARENT_IIN),
            "last_name": "Серікова",
            "first_name": "Дана",
            "phone": written_in(digits, phone),
            "password1": "Balapan-2024-kokte",
            "password2": "Balapan-2024-kokte",
        }
        response = client.post("/en/accounts/signup/", data)
        if name in NOT_DECIMAL:
            assert response.status_code == 200, name  # the form again, with its error
            assert not response.context["form"].is_valid()
        else:
            assert response.status_code == 302, name
            assert client.session["accounts.signup"]["iin"] == PARENT_IIN
            assert client.session["accounts.signup"]["phone"] == phone
            # The IIN is taken: no code was sent, so no code can finish this sign-up.
            sent = AuditLog.objects.filter(action="phone_code.send").order_by("-pk").first()
            assert sent.data["delivered"] is False, name
    assert User.objects.count() == 1


def test_it_signs_in_by_iin_and_phone_in_unicode_digits_as_the_same_account(client, parent):
    for name, digits in DECIMAL_SCRIPTS.items():
        for identifier in (PARENT_IIN, PARENT_PHONE):
            client.logout()
            response = client.post(
                "/en/accounts/login/", {"username": written_in(digits, identifier), "password": PASSWORD}
            )
            assert response.status_code == 302, name
            assert int(client.session["_auth_user_id"]) == parent.pk


def test_it_links_a_child_by_an_iin_in_unicode_digits_as_the_same_child(client, parent, city):
    child = ChildFactory(last_name="Серікова", first_name="Айша")
    client.force_login(parent)
    for name, digits in DECIMAL_SCRIPTS.items():
        cache.clear()  # the link rate limit (10 an hour) is not what this test is about
        data = {
            "iin": written_in(digits, child.iin),
            "birth_date": child.birth_date.isoformat(),
            "last_name": "Серікова",
            "first_name": "Айша",
            "relation": "parent",
        }
        response = client.post("/en/accounts/children/add/", data)
        assert response.status_code in (200, 302), name
    assert Child.objects.count() == 1
    assert list(parent.child_links.values_list("child", flat=True)) == [child.pk]


def test_it_refuses_unicode_digits_in_iin_through_the_api(parent, city):
    child = ChildFactory(last_name="Серікова", first_name="Айша")
    api = APIClient()
    api.force_authenticate(parent)
    codes = set()
    for name, digits in {**DECIMAL_SCRIPTS, **NOT_DECIMAL}.items():
        cache.clear()
        payload = {
            "iin": written_in(digits, child.iin),
            "birth_date": child.birth_date.isoformat(),
            "last_name": "Серікова",
            "first_name": "Айша",
            "relation": "parent",
        }
        response = api.post("/api/v1/children/link/", payload, format="json")
        assert response.status_code in (201, 400, 409), (name, response.content)
        codes.add((name in NOT_DECIMAL, response.status_code))
    # The decimal sets name the same child (one link, then "already in your cabinet"); the others are refused.
    assert codes == {(False, 201), (False, 409), (True, 400)}
    assert Child.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("iin", "٩٠٠٥١٥٤٠٠١٢٣"), ("iin", "９００５１５４００１２３"), ("phone", "+٧٧٠١٠٠٠٠٠٠١"), ("phone", "87010000001")],
)
def test_the_database_refuses_a_user_with_unicode_digits_R_A_2(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="second", **{field: value})


def test_the_database_refuses_a_child_with_unicode_digits():
    with pytest.raises(IntegrityError), transaction.atomic():
        ChildFactory(iin="٩٠٠٥١٥٤٠٠١٢٣")
