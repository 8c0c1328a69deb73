"""Why a seat was withdrawn, a referral refused or ended, a child left: a choice from a list (R-P-4).

The protocol publishes the reason of every seat event. A reason typed as free text went public as
typed, a child's or a parent's name with it; so the published reason is always one of these codes
(shown with its label in kk/ru/en), and what staff or a parent want to add goes into a note that
is kept for staff and the department and never published (issue 14, item 6). The database refuses
any other reason on a seat event (vacancies.SeatEvent's check).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from indigo.errors import ServiceError
from indigo.words import reason_display

OTHER = "other"


class WithdrawalReason(models.TextChoices):
    """R-S-5: staff take back a seat nobody has claimed."""

    GROUP_CLOSED = "group_closed", _("the group is closed")
    RELEASED_BY_MISTAKE = "mistake", _("released by mistake")
    REPAIRS = "repairs", _("repairs")
    QUARANTINE = "quarantine", _("quarantine or illness in the group")
    FEWER_PLACES = "fewer_places", _("the group has fewer places")
    OTHER = OTHER, _("other reason")


class RefusalReason(models.TextChoices):
    """R-S-8: the family turns a referral down (recorded by staff or by the parent)."""

    MOVED = "moved", _("the family moved")
    OTHER_KINDERGARTEN = "other_kindergarten", _("chose another kindergarten")
    HEALTH = "health", _("the child's health")
    TOO_FAR = "too_far", _("too far from home")
    LATER = "later", _("wants a later start")
    DID_NOT_COME = "did_not_come", _("did not come to enrol")
    OTHER = OTHER, _("other reason")


class DepartureReason(models.TextChoices):
    """R-S-9: an enrolled child leaves the group."""

    SCHOOL = "school", _("went to school")
    MOVED = "moved", _("the family moved")
    OTHER_KINDERGARTEN = "other_kindergarten", _("moved to another kindergarten")
    HEALTH = "health", _("the child's health")
    OTHER = OTHER, _("other reason")


class SystemReason(models.TextChoices):
    """Reasons the portal itself records (no one types them)."""

    EXPIRED = "expired", _("the referral's time ran out")
    PRIVILEGE_NOT_CONFIRMED = "privilege_not_confirmed", _("extraordinary privilege not confirmed in time")
    ACCOUNT_BLOCKED = "account_blocked", _("personal cabinet blocked")


ALL_REASONS = (WithdrawalReason, RefusalReason, DepartureReason, SystemReason)
# Every code a seat event may carry (the database check lists the same).
REASON_CODES = sorted({code for choices in ALL_REASONS for code in choices.values})
NOTE_MAX = 500
# Which list a seat event's reason comes from, by the event's kind (a code may mean a little more in one).
_BY_KIND = {"withdrawn": WithdrawalReason, "refused": RefusalReason, "vacated": DepartureReason}


def reason_label(code: str | None, kind: str | None = None) -> str:
    """The label of a reason code in the reader's language; text published before the codes as it was,
    save the portal's own fixed English phrases of then, which indigo/words.py translates."""
    if not code:
        return ""
    for choices in (_BY_KIND.get(kind), *ALL_REASONS):
        if choices is not None and code in choices.values:
            return str(choices(code).label)
    return reason_display(code)


def reason_clean(
    reason: str | None, note: str | None, choices: type[models.TextChoices], *, default: str | None = None
) -> tuple[str, str]:
    """(code, note) from what a form or an API call sent; a reason off the list is refused in kk/ru/en."""
    code = (reason or "").strip() or default
    if not code:
        raise ServiceError("reason_required", _("Choose a reason from the list; the protocol shows it."))
    if code not in choices.values:
        raise ServiceError("reason_invalid", _("Choose a reason from the list; the protocol shows it."))
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise ServiceError("note_too_long", _("Keep the note under %(limit)s characters."), limit=NOTE_MAX)
    return code, note
