"""Cities, kindergartens, groups, seats and the daily protocol.

A seat row is one place in one group. Its access stage (priority / general) is never
stored: it follows from published_at, priority_from and general_from compared with now,
so a late job cannot let a wrong claim through (DESIGN §4).
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indigo.choices import GroupType, Language
from indigo.i18n import localized
from vacancies.reasons import NOTE_MAX, REASON_CODES

# The summer schedule's models live beside its services; imported here so Django registers them.
from vacancies.schedule.models import ScheduleLogEntry, SummerWindow, SummerWindowChange  # noqa: F401

_MONTH_DAY = RegexValidator(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", _("Use MM-DD, for example 08-01."))


class ClaimMode(models.TextChoices):
    FIRST_COME = "first_come", _("first come, first served")
    WINDOW = "window", _("claim window, the queue decides")


class City(models.Model):
    """A city and its placement settings; the settings are read at the moment a rule applies."""

    class WindowUnit(models.TextChoices):
        WORKING_DAYS = "working", _("working days")
        CALENDAR_DAYS = "calendar", _("calendar days")

    slug = models.SlugField(unique=True)
    code = models.CharField(max_length=3, unique=True, help_text=_("Prefix of application references, e.g. TMT."))
    name_kk = models.CharField(max_length=100)
    name_ru = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    region_kk = models.CharField(max_length=100, blank=True)
    region_ru = models.CharField(max_length=100, blank=True)

    priority_window_length = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    priority_window_unit = models.CharField(max_length=10, choices=WindowUnit.choices, default=WindowUnit.WORKING_DAYS)
    priority_pool_factor = models.DecimalField(
        max_digits=4, decimal_places=2, default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # R-Q-2: one privileged applicant, then three general ones.
    interleave_privileged = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    interleave_general = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    referral_valid_working_days = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])
    referral_extension_max_days = models.PositiveSmallIntegerField(default=30)
    stop_list_days = models.PositiveSmallIntegerField(default=10)
    extraordinary_confirm_working_days = models.PositiveSmallIntegerField(default=5)
    # Seats released from this day until a cohort's summer window closes open on the window's dates.
    recruitment_season_start = models.CharField(max_length=5, default="05-01", validators=[_MONTH_DAY])
    august_pause_start = models.CharField(max_length=5, default="08-01", validators=[_MONTH_DAY])
    august_pause_end = models.CharField(max_length=5, default="08-31", validators=[_MONTH_DAY])
    publication_time = models.TimeField(default=dt.time(18, 0))
    block_months = models.PositiveSmallIntegerField(default=6, validators=[MinValueValidator(1)])
    sharing_signal_threshold = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(2)])
    # R-W-1: per access stage, a race (first come) or a claim window the queue decides at its close.
    priority_mode = models.CharField(max_length=10, choices=ClaimMode.choices, default=ClaimMode.FIRST_COME)
    general_mode = models.CharField(max_length=10, choices=ClaimMode.choices, default=ClaimMode.FIRST_COME)
    window_close = models.TimeField(default=dt.time(9, 0))
    window_max_groups = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name_ru"]
        constraints = [
            models.CheckConstraint(condition=Q(priority_pool_factor__gte=1), name="city_pool_factor_at_least_one"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    def in_august_pause(self, day: dt.date) -> bool:
        """R-S-4: during the pause groups move up a year; nothing is published or issued."""
        key = f"{day:%m-%d}"
        return self.august_pause_start <= key <= self.august_pause_end


class District(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="districts")
    name_kk = models.CharField(max_length=100)
    name_ru = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["city", "name_ru"]
        constraints = [models.UniqueConstraint(fields=["city", "name_ru"], name="district_unique_name_in_city")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class CalendarOverride(models.Model):
    """A department's change to the national calendar for one city (R-CAL-1)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("extra day off")
        WORKING_DAY = "working_day", _("extra working day")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="calendar_overrides")
    day = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["city", "day"]
        constraints = [models.UniqueConstraint(fields=["city", "day"], name="calendar_override_one_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class Kindergarten(models.Model):
    class Ownership(models.TextChoices):
        STATE = "state", _("state")
        PRIVATE = "private", _("private")

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="kindergartens")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="kindergartens")
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    ownership = models.CharField(max_length=10, choices=Ownership.choices)
    address_kk = models.CharField(max_length=300, blank=True)
    address_ru = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    # Places the state pays for in a private kindergarten (public-private partnership).
    state_order_places = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("kindergarten")
        verbose_name_plural = _("kindergartens")
        ordering = ["city", "number", "name_ru"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name_ru"], name="kindergarten_unique_name_in_city"),
        ]
        # The vacancy registry's order (vacancies.selectors.registry_seats): a city's kindergartens
        # by number, walked in index order so a page stops after its rows instead of sorting them all.
        indexes = [models.Index(fields=["city", "number", "id"], name="kindergarten_registry_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def address(self) -> str:
        return localized(self, "address")


class Group(models.Model):
    """One age group; its languages and types are what the kindergarten "offers" (no copy kept elsewhere)."""

    kindergarten = models.ForeignKey(Kindergarten, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=100)
    cohort = models.PositiveSmallIntegerField(
        help_text=_("Birth year of the children the group takes."),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    language = models.CharField(max_length=2, choices=Language.choices)
    group_type = models.CharField(max_length=20, choices=GroupType.choices, default=GroupType.GENERAL)
    capacity = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["kindergarten", "cohort", "language", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kindergarten", "name"], name="group_unique_name_in_kindergarten"),
            models.CheckConstraint(condition=Q(capacity__gte=0), name="group_capacity_not_negative"),
            models.CheckConstraint(condition=Q(cohort__gte=2000, cohort__lte=2100), name="group_cohort_plausible"),
        ]
        indexes = [models.Index(fields=["cohort", "language", "group_type"], name="group_market_idx")]

    def __str__(self) -> str:
        return f"{self.kindergarten} — {self.name}"


class Stage(models.TextChoices):
    """A seat's access stage at a moment (R-S-2, R-S-3), derived from its stored timestamps."""

    HELD = "held", _("awaiting publication")
    SCHEDULED = "scheduled", _("published, opens on the schedule's date")
    PRIORITY = "priority", _("priority access")
    GENERAL = "general", _("general access")
    CLOSED = "closed", _("not open")


class Seat(models.Model):
    """One place in one group, from its release to its end (withdrawn or vacated)."""

    class State(models.TextChoices):
        RELEASED = "released", _("released, awaiting the protocol")
        OPEN = "open", _("open")
        CLAIMED = "claimed", _("referral issued")
        OCCUPIED = "occupied", _("child enrolled")
        WITHDRAWN = "withdrawn", _("withdrawn")
        VACATED = "vacated", _("child left")

    class Source(models.TextChoices):
        RELEASE = "release", _("released by the kindergarten")
        EXISTING = "existing", _("occupied before the portal")

    # States that use up one of the group's places.
    HOLDING_STATES = (State.RELEASED, State.OPEN, State.CLAIMED, State.OCCUPIED)

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="seats")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RELEASED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.RELEASE)
    released_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    priority_from = models.DateTimeField(null=True, blank=True)
    priority_until = models.DateField(null=True, blank=True, help_text=_("Last day of priority access."))
    general_from = models.DateTimeField(null=True, blank=True)
    # R-W-1/R-W-2: the close of each stage's claim window, fixed when the seat is published from the
    # city's mode then (None: that stage is first come), so a later change of mode never touches it.
    priority_window_until = models.DateTimeField(null=True, blank=True)
    general_window_until = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    occupied_at = models.DateTimeField(null=True, blank=True)
    vacated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="open") | Q(published_at__isnull=False, general_from__isnull=False),
                name="seat_open_has_access_times",
            ),
            models.CheckConstraint(
                condition=Q(general_from__isnull=True)
                | Q(priority_from__isnull=True)
                | Q(general_from__gte=models.F("priority_from")),
                name="seat_general_after_priority",
            ),
            models.CheckConstraint(
                condition=~Q(state="withdrawn") | Q(withdrawn_at__isnull=False),
                name="seat_withdrawn_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "group"], name="seat_state_group_idx"),
            models.Index(fields=["group", "state"], name="seat_group_state_idx"),
            # The vacancy registry's page walk: a group's open seats in id order, with the access
            # times its stage filter compares, from a small index (~10,000 of Almaty's 60,000 seats).
            models.Index(
                fields=["group", "id"],
                include=["priority_from", "general_from"],
                condition=Q(state="open"),
                name="seat_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.group}"

    def stage_at(self, moment: dt.datetime) -> Stage:
        """The access stage at `moment`, from the timestamps fixed at publication: a late job can
        never leave it stale."""
        if self.state == self.State.RELEASED:
            return Stage.HELD
        if self.state != self.State.OPEN:
            return Stage.CLOSED
        if self.general_from <= moment:
            return Stage.GENERAL
        if self.priority_from <= moment:
            return Stage.PRIORITY
        return Stage.SCHEDULED

    def window_at(self, moment: dt.datetime):
        """R-W-2: (stage, opens_at, closes_at) of the claim window the seat is in at `moment`, or None
        (first come, or the window has closed). Read from the stored times like the stage itself."""
        if self.state != self.State.OPEN or self.priority_from is None or moment < self.priority_from:
            return None
        if moment < self.general_from:
            if self.priority_window_until and moment < self.priority_window_until:
                return ("priority", self.priority_from, self.priority_window_until)
            return None
        if self.general_window_until and moment < self.general_window_until:
            return ("general", self.general_from, self.general_window_until)
        return None

    def window_closed_at(self, moment: dt.datetime):
        """The window of the stage the seat is in at `moment` if it had one and it has closed:
        (stage, opens_at, closes_at); its seats are first come only once its allocation ran."""
        if self.state != self.State.OPEN or self.priority_from is None or moment < self.priority_from:
            return None
        if moment < self.general_from:
            until, stage, opens = self.priority_window_until, "priority", self.priority_from
        else:
            until, stage, opens = self.general_window_until, "general", self.general_from
        if until and moment >= until:
            return (stage, opens, until)
        return None


class SeatEvent(models.Model):
    """Append-only history of a seat; the protocol is built from these rows."""

    class Kind(models.TextChoices):
        RELEASED = "released", _("released")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")
        CLAIMED = "claimed", _("referral issued")
        EXPIRED = "expired", _("referral expired")
        REFUSED = "refused", _("referral refused")
        CANCELLED = "cancelled", _("referral cancelled")
        RETURNED = "returned", _("seat returned")
        ENROLLED = "enrolled", _("child enrolled")
        VACATED = "vacated", _("child left")
        GENERAL_ACCESS = "general", _("moved to general access")

    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # A code from vacancies/reasons.py, published by the protocol; never typed text (R-P-4).
    reason = models.CharField(max_length=300, blank=True)
    # What staff or a parent added to the reason: for staff and the department, never published.
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    # Public facts only (times, application reference, child initials): it feeds the protocol.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("seat event")
        verbose_name_plural = _("seat events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["seat", "at"], name="seat_event_seat_at_idx")]
        constraints = [
            # A seat reaches general access once per publication (general_from is that moment).
            models.UniqueConstraint(
                fields=["seat", "at"], condition=Q(kind="general"), name="seat_event_general_once_per_opening"
            ),
            models.CheckConstraint(condition=Q(reason="") | Q(reason__in=REASON_CODES), name="seat_event_reason_code"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} #{self.seat_id}"


class Protocol(models.Model):
    """The daily vacancy release protocol of one city (R-P-1…R-P-3); immutable once published."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="protocols")
    day = models.DateField(help_text=_("Local date of the cutoff."))
    cutoff = models.DateTimeField()
    previous_cutoff = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField()
    entry_count = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    previous_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")
        ordering = ["city", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["city", "day"], name="protocol_one_per_city_and_day"),
            models.UniqueConstraint(fields=["city", "cutoff"], name="protocol_unique_cutoff"),
            models.CheckConstraint(
                condition=Q(previous_cutoff__isnull=True) | Q(previous_cutoff__lt=models.F("cutoff")),
                name="protocol_cutoffs_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.day}"


class ProtocolEntry(models.Model):
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="entries")
    position = models.PositiveIntegerField()
    at = models.DateTimeField()
    kind = models.CharField(max_length=20)
    seat = models.ForeignKey(Seat, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(default=dict)
    # SHA-256 of this entry's canonical form; the protocol's hash covers these in order.
    sha256 = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("protocol entry")
        verbose_name_plural = _("protocol entries")
        ordering = ["protocol", "position"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "position"], name="protocol_entry_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.protocol} #{self.position} {self.kind}"


class CitySettingsChange(models.Model):
    """One change of a city's placement settings by the department: what it was, what it became, who, when."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="settings_changes")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Only the settings that changed, as JSON scalars (numbers, "HH:MM", "MM-DD").
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("city settings change")
        verbose_name_plural = _("city settings changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.city}"


class ProtocolNotice(models.Model):
    """A public fact another part of the portal hands to the next protocol (R-P-1), such as a claim
    window's masked bids and result (R-W-5); the protocol copies it into its hash chain as it is."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="protocol_notices")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=30)
    # What makes the notice one of a kind (a window's id): a job that runs twice cannot publish twice.
    key = models.CharField(max_length=200)
    # Public facts only (R-P-4): references, ranks, group ids, never a name or an IIN.
    payload = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("protocol notice")
        verbose_name_plural = _("protocol notices")
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["city", "kind", "key"], name="protocol_notice_unique_key")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.key}"
