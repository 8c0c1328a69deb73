"""The audit log in words (issue 12): each action code and its details said in the reader's language.

The log stores stable codes (`schedule.window_save`) and raw data, which is right for searching and
for the record; an officer reads a label and a few "what: value" lines instead. Unknown codes and keys
still show, as they are, so nothing recorded is ever hidden.
"""

import datetime as dt
from collections.abc import Callable, Iterable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import date_format
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import AuditLog, User
from indigo import clock
from indigo.words import reason_display

ACTION_LABELS = {
    "account.block": _("Cabinet blocked"),
    "account.block_lift": _("Block lifted"),
    "account.flag": _("Cabinet flagged as possibly shared"),
    "account.flag_dismiss": _("Sharing flag dismissed"),
    "account.password_reset": _("Password changed with an SMS code"),
    "account.signup": _("Parent signed up"),
    "account.signup_attempt_on_taken": _("Sign-up tried with an IIN or phone already registered"),
    "account.staff_create": _("Staff account made"),
    "api_token.issue": _("API token issued"),
    "api_token.revoke": _("API token revoked"),
    "application.file": _("Application filed"),
    "application.withdraw": _("Application withdrawn"),
    "calendar.override_add": _("Working-day calendar changed"),
    "calendar.override_remove": _("Working-day calendar change removed"),
    "city.settings_update": _("City rules changed"),
    "group.create": _("Group added"),
    "group.update": _("Group changed"),
    "kindergarten.create": _("Kindergarten added"),
    "kindergarten.update": _("Kindergarten changed"),
    "login.failure": _("Failed sign-in"),
    "login.locked_out": _("Sign-in locked after failed attempts"),
    "login.refused_blocked": _("Sign-in refused: the cabinet is blocked"),
    "login.success": _("Signed in"),
    "logout": _("Signed out"),
    "phone_code.send": _("SMS code sent"),
    "privilege.confirmed": _("Privilege confirmed"),
    "privilege.rejected": _("Privilege rejected"),
    "privilege.removed": _("Privilege removed"),
    "privilege_category.deactivate": _("Privilege category switched off"),
    "referral.issue": _("Seat claimed: referral issued"),
    "bid.place": _("Claim window: list of groups saved"),
    "bid.withdraw": _("Claim window: list of groups withdrawn"),
    "window.allocate": _("Claim window decided by the queue: referrals issued"),
    "referral.enrol": _("Enrolment confirmed"),
    "referral.extend": _("Referral extended"),
    "referral.expired": _("Referral expired"),
    "referral.refused": _("Referral refused"),
    "referral.cancelled": _("Referral cancelled"),
    "referral.terminate": _("Enrolment contract terminated"),
    "referral.departure": _("Child's departure recorded"),
    "representative_link.request": _("Legal representative link requested"),
    "representative_link.verify": _("Legal representative verified"),
    "representative_link.reject": _("Legal representative link rejected"),
    "schedule.window_save": _("Summer schedule dates saved"),
    "schedule.change_save": _("Kindergarten's schedule change saved"),
    "schedule.change_delete": _("Kindergarten's schedule change removed"),
    "seat.release": _("Seats released"),
    "seat.withdraw": _("Seat withdrawn"),
}

# What each data key is, for the "what: value" lines.
KEY_LABELS = {
    "reason": _("Reason"),
    "note": _("Note"),
    "user": _("Account"),
    "username": _("Login"),
    "ends_at": _("Blocked until"),
    "cancelled": _("Referrals cancelled"),
    "terminated": _("Contracts terminated"),
    "sessions_ended": _("Sessions ended"),
    "networks": _("Networks at once"),
    "devices": _("Devices at once"),
    "threshold": _("Threshold"),
    "kindergartens": _("Kindergartens"),
    "kindergarten": _("Kindergarten"),
    "name": _("Integration"),
    "day": _("Day"),
    "kind": pgettext_lazy("audit detail", "Change"),
    "before": _("Before"),
    "after": _("After"),
    "identifier": _("Login typed"),
    "lockout": _("Login typed"),
    "ip": _("Address"),
    "phone": _("Phone"),
    "purpose": _("For"),
    "until": _("New last day"),
    "referrals": _("Referrals"),
    "referral": _("Referral"),
    "seats": _("Seat numbers"),
    "count": _("Number of seats"),
    "state_before": _("State before"),
    "relation": _("Relation"),
    "state": _("State"),
    "new_child": _("New child record"),
    "child": _("Child"),
    "application": _("Application"),
    "category": _("Category"),
    "tier": _("List"),
    "priority_start": _("The start of priority access"),
    "priority_end": _("The end of priority access"),
    "general_date": _("The general access date"),
}
# The names of model fields changed in an entry's before/after, registered by the app that owns the
# model (vacancies registers the city's rules, kindergartens and groups), so accounts imports nothing above it.
FIELD_LABELS: dict[str, dict] = {}


def audit_field_labels_register(model_label: str, labels: dict) -> None:
    FIELD_LABELS.setdefault(model_label.lower(), {}).update(labels)


# Kept in the log for the record but of no use to a reader (ids of other log rows, device hashes).
HIDDEN_KEYS = frozenset({"log", "network", "device"})


def _choice(model_label: str, field: str) -> Callable[[object], str]:
    def show(value) -> str:
        choices = dict(apps.get_model(model_label)._meta.get_field(field).flatchoices)
        return str(choices.get(value, value))

    return show


def _day(value) -> str:
    try:
        return date_format(dt.date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _moment(value) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        return date_format(clock.local_date(moment))
    return date_format(moment.date())


def _yes_no(value) -> str:
    return str(_("yes") if value else _("no"))


VALUE_FORMATS: dict[str, Callable[[object], str]] = {
    "reason": reason_display,
    "ends_at": _moment,
    "day": _day,
    "until": _day,
    "priority_start": _day,
    "priority_end": _day,
    "general_date": _day,
    "kind": _choice("vacancies.CalendarOverride", "kind"),
    "purpose": _choice("accounts.PhoneCode", "purpose"),
    "relation": _choice("accounts.RepresentativeLink", "relation"),
    "state_before": _choice("vacancies.Seat", "state"),
    "tier": _choice("placement.PrivilegeCategory", "tier"),
    "new_child": _yes_no,
}
# The same key means another thing in some actions.
ACTION_VALUE_FORMATS = {
    ("representative_link.request", "state"): _choice("accounts.RepresentativeLink", "state"),
}


def _plain(value) -> str:
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value) or "—"
    if value in (None, ""):
        return "—"
    return str(value)


class _Names:
    """Accounts named by login instead of by row id, looked up once for a page of entries."""

    def __init__(self, entries: Iterable[AuditLog]):
        ids = {entry.data.get("user") for entry in entries if isinstance(entry.data, dict)}
        ids = {pk for pk in ids if isinstance(pk, int)}
        self.users = dict(User.objects.filter(pk__in=ids).values_list("pk", "username")) if ids else {}

    def user(self, pk) -> str:
        return self.users.get(pk, f"#{pk}")


# Entries written before a model moved between apps name its old label (issue 13 moved the summer
# schedule from placement to vacancies); they are read as the model's present one. Labels, not imports.
MOVED_MODELS = {
    "placement.summerwindow": "vacancies.summerwindow",
    "placement.summerwindowchange": "vacancies.summerwindowchange",
    "placement.schedulelogentry": "vacancies.schedulelogentry",
}


def _model(object_type: str):
    return apps.get_model(MOVED_MODELS.get(object_type, object_type))


def _field_label(key: str, object_type: str) -> str:
    registered = FIELD_LABELS.get(MOVED_MODELS.get(object_type, object_type), {})
    if key in registered:
        return str(registered[key])
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    # A changed model field (city rules, kindergarten, group): the field's own translated name.
    try:
        return str(_model(object_type)._meta.get_field(key).verbose_name).capitalize()
    except (LookupError, ValueError, FieldDoesNotExist):
        # No such model or field (an old entry, a free key): its code, readable.
        return key.replace("_", " ").capitalize()


def _value(action: str, key: str, value, names: _Names, object_type: str) -> str:
    if key == "user":
        return names.user(value)
    if isinstance(value, dict):
        parts = [
            f"{_field_label(k, object_type)}: {_value(action, k, v, names, object_type)}"
            for k, v in value.items()
            if k not in HIDDEN_KEYS
        ]
        return "; ".join(parts) or "—"
    show = ACTION_VALUE_FORMATS.get((action, key)) or VALUE_FORMATS.get(key)
    if show is not None and value not in (None, ""):
        return show(value)
    return _plain(value)


def audit_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def audit_object(entry: AuditLog) -> str:
    if not entry.object_type:
        return ""
    try:
        name = str(_model(entry.object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        name = entry.object_type
    return f"{name.capitalize()} №{entry.object_id}"


def audit_details(entry: AuditLog, names: _Names) -> list[tuple[str, str]]:
    data = entry.data if isinstance(entry.data, dict) else {"": entry.data}
    return [
        (_field_label(key, entry.object_type), _value(entry.action, key, value, names, entry.object_type))
        for key, value in data.items()
        if key not in HIDDEN_KEYS
    ]


def audit_entries_describe(entries: Iterable[AuditLog]) -> list[AuditLog]:
    """Give each entry of a page `label`, `object_label` and `details` [(what, value)] in the active
    language. One query for the accounts the page names, whatever its length."""
    entries = list(entries)
    names = _Names(entries)
    for entry in entries:
        entry.label = audit_label(entry.action)
        entry.object_label = audit_object(entry)
        entry.details = audit_details(entry, names)
    return entries


def audit_action_choices() -> list[tuple[str, str]]:
    """For the search form: every known action by its label, in the reader's language."""
    return sorted(((code, _gettext(str(label))) for code, label in ACTION_LABELS.items()), key=lambda c: c[1])
