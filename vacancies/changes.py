"""What every change the department makes to its city carries: an actor allowed to make it, and a reason."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.scoping import can_manage_city
from indigo.errors import NotAllowed
from indigo.inputs import reason_text


def change_allowed(by, city) -> None:
    """Only the city's officers and administrators change it; `by=None` is the system (commands, tests)."""
    if by is not None and not can_manage_city(by, city):
        raise NotAllowed("not_your_city", _("You can change only your own city."))


def change_reason(reason: str, message: Promise) -> str:
    return reason_text(reason, missing=message)


def change_actor(by):
    return by if getattr(by, "is_authenticated", False) else None
