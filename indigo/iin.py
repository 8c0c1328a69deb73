"""Kazakhstan's individual identification number (ЖСН / ИИН).

Twelve digits: YYMMDD birth date, a century-and-sex digit, a four-digit serial and a
check digit computed with two weight passes (a second remainder of 10 means the
number cannot be valid).
"""

import dataclasses
import datetime as dt
import re

from indigo.digits import NotDigits, ascii_digits

_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# Seventh digit: odd is male, even female; the pair gives the century of birth.
_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}
# [0-9], not \d: \d also matches the digits of other scripts (indigo/digits.py).
_DIGITS = re.compile(r"[0-9]{12}")


class InvalidIIN(ValueError):
    """The text is not a valid IIN; .code says why (format, checksum, date, century)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclasses.dataclass(frozen=True)
class IIN:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    def __str__(self) -> str:
        return self.value


def check_digit(first_eleven: str) -> int | None:
    """The twelfth digit for these eleven, or None when no digit can make them valid."""
    digits = [int(c) for c in first_eleven]
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def parse_iin(text: str) -> IIN:
    """The IIN in `text`; digits of other scripts are read as 0-9, the value holds ASCII digits only."""
    try:
        value = ascii_digits((text or "").strip())
    except NotDigits:
        raise InvalidIIN("format", "An IIN is exactly 12 digits.") from None
    if not _DIGITS.fullmatch(value):
        raise InvalidIIN("format", "An IIN is exactly 12 digits.")
    expected = check_digit(value[:11])
    if expected is None or expected != int(value[11]):
        raise InvalidIIN("checksum", "The IIN's check digit does not match.")
    century_digit = int(value[6])
    if century_digit not in _CENTURY:
        raise InvalidIIN("century", "The IIN's seventh digit must be 1 to 6.")
    year = _CENTURY[century_digit] + int(value[0:2])
    try:
        birth = dt.date(year, int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise InvalidIIN("date", "The IIN does not begin with a real birth date.") from None
    return IIN(value=value, birth_date=birth, sex="M" if century_digit % 2 else "F")


def is_valid_iin(text: str) -> bool:
    try:
        parse_iin(text)
    except InvalidIIN:
        return False
    return True


def make_iin(birth_date: dt.date, sex: str, serial: int) -> str | None:
    """Build a valid IIN for a birth date, sex and 4-digit serial; None if that serial has no check digit."""
    century = (birth_date.year // 100) * 100
    base = {1800: 1, 1900: 3, 2000: 5}[century] + (0 if sex == "M" else 1)
    first_eleven = f"{birth_date:%y%m%d}{base}{serial:04d}"
    digit = check_digit(first_eleven)
    return None if digit is None else f"{first_eleven}{digit}"
