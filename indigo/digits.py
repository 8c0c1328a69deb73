"""Digits as people type them, read as ASCII: the one place every IIN, phone and number goes through.

Phones and browsers send digits of any script: Arabic-Indic ٠١٢, Persian ۰۱۲, fullwidth ０１２,
Devanagari ०१२… Python's str.isdigit(), re's \\d and int() accept many of them, so the "same" IIN
written in another script was once stored as a second account (issue 14, item 1). Here a decimal
digit of any script (Unicode category Nd) becomes its ASCII digit; any other character with a digit
value (superscript ², circled ①, category No) is refused, since nobody types an IIN with it and
reading it as a digit would only help someone pass for another. The database refuses anything but
ASCII digits behind this (CheckConstraints on users and children).
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from indigo.errors import ServiceError


class NotDigits(ServiceError):
    """Text meant to hold digits holds a digit-like character that is no decimal digit (², ①)."""

    def __init__(self):
        super().__init__("digits_invalid", _("Write numbers with the digits 0–9."))


def ascii_digits(text: str | None) -> str:
    """`text` with every decimal digit of any script turned into 0-9; other characters are kept.

    Raises NotDigits when a character has a digit value but is no decimal digit (², ①, ⁵).
    """
    if not text:
        return ""
    if text.isascii():
        return text
    out = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        value = unicodedata.decimal(char, None)
        if value is not None:
            out.append(str(value))
        elif unicodedata.digit(char, None) is not None or unicodedata.numeric(char, None) is not None:
            raise NotDigits()
        else:
            out.append(char)
    return "".join(out)


def ascii_digits_or_none(text: str | None) -> str | None:
    """As ascii_digits, but None instead of an error: for lookups where a refused text simply finds nothing."""
    try:
        return ascii_digits(text)
    except NotDigits:
        return None


_ASCII_NUMBER = re.compile(r"[0-9]+")


def is_ascii_number(text: str) -> bool:
    """True for one or more of 0-9 and nothing else (str.isdigit() also says yes to '²' and '٣')."""
    return bool(_ASCII_NUMBER.fullmatch(text or ""))


class DigitsField(forms.CharField):
    """A form field for text made of digits (IIN, phone, code): other scripts' digits arrive as 0-9."""

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return ascii_digits(value)
        except NotDigits as error:
            raise ValidationError(error.detail, code=error.code) from None


class DigitsSerializerField(serializers.CharField):
    """The API's twin of DigitsField."""

    default_error_messages = {"digits_invalid": NotDigits().message}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return ascii_digits(value)
        except NotDigits:
            self.fail("digits_invalid")
