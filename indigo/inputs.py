"""Hostile input refused at one depth, with a clear 400 in the reader's language, never a 500.

- RefuseHostileInput (middleware): a NUL character anywhere in the path, the query string, the
  headers and cookies, form data or a JSON body is refused before any view runs (PostgreSQL cannot store or
  compare a NUL, so it used to end in a 500 wherever such text reached a query).
- query_int / query_date: numbers and dates read from a query string or a form, with digits of any
  script read as 0-9 (indigo/digits.py) and bounds, so that '²' or 9999-12-31 cannot reach int()
  or date arithmetic unchecked.
- DateField / DateSerializerField: the same bounds for form and API dates.
- reason_text: the free-text reason a decision must give (required, bounded), checked one way.

A view that meets bad input raises BadInput; the middleware answers it as the 400 page (HTML) or
as {"code": "bad_input", "detail": …} (the API, like every other API error: indigo/api.py).
"""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from indigo.digits import ascii_digits_or_none, is_ascii_number
from indigo.errors import ServiceError

# Dates any page or API call of the portal may need: birth dates of parents, periods, schedules.
# Beyond them, date arithmetic (a day after 9999-12-31) would overflow.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
# Ids and counts fit PostgreSQL's bigint; a longer number is no id of ours.
MAX_NUMBER_DIGITS = 18

API_PREFIX = "/api/"
NUL = "\x00"
# A NUL in JSON text is written \u0000 (an escaped backslash before it is no escape).
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
BAD_INPUT_MESSAGE = _("The request holds characters or values the portal cannot accept. Check what you typed.")


class BadInput(ServiceError):
    """Input no form could have sent: answered 400 with the reason, never a 500."""

    def __init__(self, message=BAD_INPUT_MESSAGE, **params):
        super().__init__("bad_input", message, status=400, **params)


def query_int(params, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """The whole number `params[name]` (a QueryDict or dict), None when absent or empty.

    Digits of other scripts are read as 0-9; anything else, or a number out of bounds, is BadInput.
    """
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    digits = ascii_digits_or_none(raw)
    if digits is None or not is_ascii_number(digits) or len(digits) > MAX_NUMBER_DIGITS:
        raise BadInput(_("“%(name)s” must be a whole number written with the digits 0–9."), name=name)
    value = int(digits)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise BadInput(_("“%(name)s” is out of range."), name=name)
    return value


def parse_date_input(text: str | None, *, name: str = "date") -> dt.date | None:
    """A date typed or sent by a form (dd.mm.yyyy as the pages show it, or ISO YYYY-MM-DD), None when
    empty; bad or out of range is BadInput."""
    raw = (text or "").strip()
    if not raw:
        return None
    digits = ascii_digits_or_none(raw) or ""
    value = None
    for pattern in get_format("DATE_INPUT_FORMATS"):
        try:
            value = dt.datetime.strptime(digits, pattern).date()
            break
        except ValueError:
            continue
    if value is None:
        raise BadInput(_("“%(name)s” must be a date such as 31.05.2024."), name=name)
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise BadInput(_("“%(name)s” is out of range."), name=name)
    return value


def query_date(params, name: str) -> dt.date | None:
    return parse_date_input(params.get(name), name=name)


DATE_RANGE_MESSAGE = _("Give a date between %(earliest)s and %(latest)s.")
# Said as dates are typed on the pages (dd.mm.yyyy), not as ISO.
DATE_RANGE_PARAMS = {"earliest": f"{EARLIEST_DATE:%d.%m.%Y}", "latest": f"{LATEST_DATE:%d.%m.%Y}"}


class DateField(forms.DateField):
    """A form date within EARLIEST_DATE…LATEST_DATE, so that no computation on it overflows."""

    def to_python(self, value):
        if isinstance(value, str):
            value = ascii_digits_or_none(value) or "-"
        value = super().to_python(value)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(DATE_RANGE_MESSAGE, code="date_range", params=DATE_RANGE_PARAMS)
        return value


class DateSerializerField(serializers.DateField):
    """The API's twin of DateField."""

    default_error_messages = {"date_range": DATE_RANGE_MESSAGE}

    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            self.fail("date_range", earliest=EARLIEST_DATE, latest=LATEST_DATE)
        return value


def bad_input_response(request: HttpRequest, error: ServiceError) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"code": error.code, "detail": error.detail}, status=error.status)
    return render(request, "400.html", {"message": error.detail}, status=error.status)


def _holds_nul(request: HttpRequest) -> bool:
    if NUL in request.path_info or NUL in request.path:
        return True
    if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return True
    # Headers too: the user agent and forwarded addresses are stored with every sign-in and audit entry.
    if any(NUL in value for key, value in request.META.items() if key.startswith("HTTP_") and isinstance(value, str)):
        return True
    if any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return any(NUL in key or any(NUL in v for v in values) for key, values in request.POST.lists())
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        return b"\x00" in body or bool(_JSON_NUL.search(body.decode("utf-8", "replace")))
    return False


class RefuseHostileInput:
    """Middleware: NUL characters are refused before any view (and any query) sees them; a view's
    BadInput becomes the 400 page. Placed before the session middleware, whose cookie is a query too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            hostile = _holds_nul(request)
        except UnicodeDecodeError:
            hostile = True
        if hostile:
            # The locale middleware has not run yet: answer in the language the URL or browser asks for.
            language = translation.get_language_from_request(request, check_path=True)
            with translation.override(language):
                return bad_input_response(request, BadInput())
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BadInput):
            return bad_input_response(request, exception)
        return None


def plain_ids(value, *, most: int) -> list[int] | None:
    """`value` when it is a list of 1 to `most` positive whole numbers as JSON sends them, else None.

    A hot API input (a claim, a bid) checks this first: such a list is what its serializer's
    ListField(child=IntegerField(min_value=1), min_length=1, max_length=most) returns unchanged,
    and building and running that serializer for every request of a rush cost more than the rest
    of the check. Anything else (digit strings, bad values) goes to the serializer, which accepts or
    explains it as before."""
    if type(value) is list and 1 <= len(value) <= most and all(type(v) is int and v >= 1 for v in value):
        return value
    return None


def query_int_list(params, name: str, *, minimum: int | None = 1) -> list[int]:
    """Every whole number under `name` (checkboxes, multiple selects); any bad one is BadInput."""
    return [query_int({name: raw}, name, minimum=minimum) for raw in params.getlist(name) if (raw or "").strip()]


# A free-text reason (a block, a rejection, a schedule change…): what the longest one may be.
REASON_MAX = 300


def reason_text(reason: str | None, *, missing, limit: int = REASON_MAX) -> str:
    """The reason stripped, or a clear error: `missing` says what the reason is for."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_required", missing)
    if len(reason) > limit:
        raise ServiceError("reason_too_long", _("Keep the reason under %(limit)s characters."), limit=limit)
    return reason
