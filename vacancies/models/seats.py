"""Seats and their append-only history.

A seat row is one place in one group. Its access stage (priority / general) is never
stored: it follows from published_at, priority_from and general_from compared with now,
so a late job cannot let a wrong claim through (DESIGN §4).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vacancies.reasons import NOTE_MAX, REASON_CODES

from .kindergartens import Group


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
            # The turn check's count of a market's seats in priority access (PRIORITY_SEATS_SQL), from the
            # market's groups: without it PostgreSQL read every open and claimed seat of the database
            # (seat_state_group_idx, then their pages) and kept those of the market's groups. The only
            # states it counts, with every column it compares, so no table page is read.
            models.Index(
                fields=["group"],
                include=["state", "priority_from", "general_from", "claimed_at"],
                condition=Q(state__in=["open", "claimed"]),
                name="seat_priority_count_idx",
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
