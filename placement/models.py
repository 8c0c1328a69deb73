"""Children, applications, privileges and referrals.

A queue position is never stored (R-Q-3): it is computed from filing time, privileges
and the city's interleave ratio whenever it is asked for.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indigo import clock
from indigo.choices import GroupType, Language
from indigo.i18n import localized
from indigo.iin import is_valid_iin


def _validate_iin(value: str) -> None:
    from django.core.exceptions import ValidationError

    if not is_valid_iin(value):
        raise ValidationError(_("This is not a valid IIN."), code="invalid_iin")


class Child(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("boy")
        FEMALE = "F", _("girl")

    iin = models.CharField(_("IIN"), max_length=12, unique=True, validators=[_validate_iin])
    last_name = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100)
    patronymic = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(condition=Q(iin__regex=r"^[0-9]{12}$"), name="child_iin_twelve_digits"),
        ]

    def __str__(self) -> str:
        return self.initials

    @property
    def initials(self) -> str:
        """What public pages may show of a child (R-P-4)."""
        return f"{self.last_name[:1]}. {self.first_name[:1]}."

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)


class PrivilegeCategory(models.Model):
    """A city's list of privileges (R-Q-2); the tier decides where an applicant stands."""

    class Tier(models.TextChoices):
        EXTRAORDINARY = "extraordinary", _("extraordinary right")
        FIRST = "first", _("first priority")

    city = models.ForeignKey("vacancies.City", on_delete=models.PROTECT, related_name="privilege_categories")
    code = models.SlugField(max_length=40)
    tier = models.CharField(max_length=15, choices=Tier.choices)
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    # Offered for new privileges and counted in the queue. Deactivation is for good and dated: from
    # deactivated_at the category's privileges stop counting (R-Q-2), and the queue at any earlier
    # moment (a previous protocol, R-Q-3) still counts them as it did then.
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("privilege category")
        verbose_name_plural = _("privilege categories")
        ordering = ["city", "tier", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="privilege_category_unique_code"),
            models.CheckConstraint(
                condition=Q(is_active=True, deactivated_at__isnull=True)
                | Q(is_active=False, deactivated_at__isnull=False),
                name="privilege_category_inactive_is_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class Application(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("in the queue")
        PLACED = "placed", _("placed")
        WITHDRAWN = "withdrawn", _("withdrawn")
        CANCELLED = "cancelled", _("cancelled")

    reference = models.CharField(max_length=20, unique=True)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="applications")
    city = models.ForeignKey("vacancies.City", on_delete=models.PROTECT, related_name="applications")
    # The child's birth year, kept on the row so a market is one index range.
    cohort = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    language = models.CharField(max_length=2, choices=Language.choices)
    group_type = models.CharField(max_length=20, choices=GroupType.choices, default=GroupType.GENERAL)
    preferred_kindergartens = models.ManyToManyField("vacancies.Kindergarten", blank=True, related_name="+")
    desired_start = models.DateField()
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    closed_at = models.DateTimeField(null=True, blank=True)
    # R-S-8 / R-Q-5: a stop-listed child may not claim; the queue place is kept.
    stop_listed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["filed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "city"],
                condition=Q(state="active"),
                name="application_one_active_per_child_and_city",
            ),
            models.CheckConstraint(
                condition=Q(state="active") | Q(closed_at__isnull=False), name="application_closed_has_time"
            ),
        ]
        indexes = [
            models.Index(
                fields=["city", "cohort", "language", "group_type", "state", "filed_at"], name="application_market_idx"
            ),
            # The turn check's pass over a market (placement/queue/) reads this index alone: every
            # column it asks of an application is here, so no table page is read (docs/performance.md).
            models.Index(
                fields=["city", "cohort", "language", "group_type", "filed_at"],
                include=["id", "state", "closed_at", "stop_listed_until", "child"],
                name="application_turn_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Privilege(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")
        REMOVED = "removed", _("removed")

    # Pending privileges count in the queue; R-Q-5 removes them if never confirmed.
    COUNTING_STATES = (State.PENDING, State.CONFIRMED)

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="privileges")
    category = models.ForeignKey(PrivilegeCategory, on_delete=models.PROTECT, related_name="+")
    evidence = models.CharField(max_length=300, help_text=_("Document type and number."))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    expires_on = models.DateField(null=True, blank=True)
    claimed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("privilege")
        verbose_name_plural = _("privileges")
        ordering = ["application", "claimed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "category"],
                condition=Q(state__in=["pending", "confirmed"]),
                name="privilege_one_live_per_category",
            ),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_at__isnull=False), name="privilege_decision_has_time"
            ),
        ]
        # The privileges of a tier in force at a moment, as the turn check hashes them, from the index alone.
        indexes = [
            models.Index(
                fields=["category"],
                include=["application", "claimed_at", "state", "decided_at", "expires_on"],
                name="privilege_tier_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.category}"


def _new_token() -> str:
    return secrets.token_urlsafe(16)


class Referral(models.Model):
    """The document a kindergarten enrols on (R-S-7, R-S-8)."""

    class State(models.TextChoices):
        ISSUED = "issued", _("issued")
        ENROLLED = "enrolled", _("enrolled")
        EXPIRED = "expired", _("expired")
        REFUSED = "refused", _("refused")
        CANCELLED = "cancelled", _("cancelled")
        TERMINATED = "terminated", _("contract terminated")
        LEFT = "left", _("child left")

    number = models.CharField(max_length=24, unique=True)
    token = models.CharField(max_length=32, unique=True, default=_new_token, editable=False)
    seat = models.ForeignKey("vacancies.Seat", on_delete=models.PROTECT, related_name="referrals")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="referrals")
    # Copied from the application so the database can hold "one active referral per child".
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    state = models.CharField(max_length=10, choices=State.choices, default=State.ISSUED)
    # Twins claim together: their referrals share a batch.
    batch = models.UUIDField(null=True, blank=True)
    issued_at = models.DateTimeField()
    issued_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    valid_until = models.DateTimeField()
    extended_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A code from vacancies/reasons.py (the protocol publishes it); the note is never published (R-P-4).
    close_reason = models.CharField(max_length=300, blank=True)
    close_note = models.CharField(max_length=500, blank=True)
    # Set by the reminder job before it sends, so a second run never reminds twice.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["seat"], condition=Q(state__in=["issued", "enrolled"]), name="referral_one_live_per_seat"
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(state="issued"), name="referral_one_active_per_child"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("issued_at")), name="referral_valid_after_issue"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "valid_until"], name="referral_due_idx"),
            # The queue's "no active referral as of a moment" (placement/queue/sql.py), asked for a whole
            # market on every turn check, read from these two alone instead of hashing the table: the
            # referrals still open (a few thousand in a city, against every referral ever issued) and the
            # closed ones by closing time (those closed after a present moment: none).
            models.Index(
                fields=["issued_at"],
                include=["application", "child"],
                condition=Q(closed_at__isnull=True),
                name="referral_open_idx",
            ),
            models.Index(
                fields=["closed_at"],
                include=["issued_at", "application", "child"],
                condition=Q(closed_at__isnull=False),
                name="referral_closed_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def is_active_at(self, moment: dt.datetime) -> bool:
        """R-S-8: the referral still lets the child enrol at `moment` (issued, not yet expired)."""
        return self.state == self.State.ISSUED and self.valid_until > moment

    @property
    def enrol_by(self) -> dt.date:
        """The last day to enrol: valid_until is the midnight that ends it (Astana time)."""
        return clock.local_date(self.valid_until) - dt.timedelta(days=1)


class PrivilegeCategoryChange(models.Model):
    """Public, append-only log of privilege categories leaving the queue (R-Q-2); the protocol lists it."""

    city = models.ForeignKey("vacancies.City", on_delete=models.PROTECT, related_name="privilege_category_log")
    category = models.ForeignKey(PrivilegeCategory, on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    active = models.BooleanField(help_text=_("Whether the category counts in the queue after this change."))
    reason = models.CharField(max_length=300)

    class Meta:
        verbose_name = _("privilege category change")
        verbose_name_plural = _("privilege category changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.category}"


class ReferralNotice(models.Model):
    """One message per referral and occasion, however often its task runs: with ACKS_LATE a task is
    run again after a worker dies, and a family must not get "referral issued" twice."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("referral issued")
        EXPIRED = "expired", _("referral expired")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("referral notice")
        verbose_name_plural = _("referral notices")
        constraints = [models.UniqueConstraint(fields=["referral", "kind"], name="referral_notice_once")]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.kind}"


class TurnNotice(models.Model):
    """One "your turn has come" message per application and day, however often the job runs."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="turn_notices")
    day = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("turn notice")
        verbose_name_plural = _("turn notices")
        constraints = [models.UniqueConstraint(fields=["application", "day"], name="turn_notice_once_a_day")]

    def __str__(self) -> str:
        return f"{self.application} {self.day}"


class WaitAlert(models.Model):
    """A parent's opt-in to be told when the child's expected wait moves, or a followed kindergarten
    publishes a seat in the child's market (issue 16)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="wait_alerts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wait_alerts")
    by_sms = models.BooleanField(default=False)
    by_email = models.BooleanField(default=False)
    on_estimate = models.BooleanField(default=False, help_text=_("Tell when the expected date moves by over a week."))
    kindergartens = models.ManyToManyField("vacancies.Kindergarten", blank=True, related_name="+")
    # The expected date the parent was last told (or first shown): moves are measured from it.
    told_expected = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("wait alert")
        verbose_name_plural = _("wait alerts")
        constraints = [models.UniqueConstraint(fields=["application", "user"], name="wait_alert_one_per_parent")]

    def __str__(self) -> str:
        return f"{self.application} {self.user}"


class WaitAlertNotice(models.Model):
    """One message per alert and occasion, however often the job runs or is retried."""

    alert = models.ForeignKey(WaitAlert, on_delete=models.CASCADE, related_name="notices")
    # "estimate:<protocol day>" or "seats:<protocol day>"
    key = models.CharField(max_length=40)
    sent_at = models.DateTimeField()
    text = models.CharField(max_length=400)

    class Meta:
        verbose_name = _("wait alert notice")
        verbose_name_plural = _("wait alert notices")
        constraints = [models.UniqueConstraint(fields=["alert", "key"], name="wait_alert_notice_once")]

    def __str__(self) -> str:
        return f"{self.alert} {self.key}"


class WaitBacktest(models.Model):
    """One run of `manage.py backtest_wait` for a city: how good the expected wait has been."""

    city = models.ForeignKey("vacancies.City", on_delete=models.CASCADE, related_name="wait_backtests")
    ran_at = models.DateTimeField()
    seconds = models.FloatField()
    first_day = models.DateField()
    last_day = models.DateField()
    judged = models.PositiveIntegerField(help_text=_("Children whose outcome is known."))
    inside = models.PositiveIntegerField(help_text=_("Of them, placed inside the 80 % interval."))
    median_error_days = models.FloatField(null=True, blank=True)
    thin = models.PositiveIntegerField(default=0, help_text=_("Children with no estimate: too little history."))
    # One row per replayed date: {"day", "estimated", "judged", "inside", "early", "late", "median_error"}.
    rows = models.JSONField(default=list)

    class Meta:
        verbose_name = _("wait backtest")
        verbose_name_plural = _("wait backtests")
        ordering = ["city", "-ran_at"]

    def __str__(self) -> str:
        return f"{self.city} {self.ran_at:%Y-%m-%d %H:%M}"

    @property
    def share_inside(self) -> float | None:
        return self.inside / self.judged if self.judged else None


# The claim window's models live with its code (placement/window/); Django finds them through here.
from placement.window.models import Bid, ClaimWindow, WindowAllocation  # noqa: E402, F401
