"""A claim window, the bids made in it and its allocation run (R-W-2…R-W-5).

A window is one market's seats opening in one access stage at one moment in window mode; the seats
carry its close (vacancies.Seat.priority_window_until / general_window_until), so the window row is
made when the first parent bids or when the close comes, whichever is first.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indigo.choices import GroupType, Language
from vacancies.models import Stage as SeatStage

# pg_advisory_xact_lock(WINDOW_LOCK, window id): shared by each bid while it writes, taken alone by the
# window's allocation (bids.py, allocation.py). Two keys: it never meets a one-key lock.
WINDOW_LOCK = 0x525704  # "R W 4"


class ClaimWindow(models.Model):
    class Stage(models.TextChoices):
        # The access stages that may have a window, labelled as vacancies.models.Stage labels them.
        PRIORITY = SeatStage.PRIORITY.value, SeatStage.PRIORITY.label
        GENERAL = SeatStage.GENERAL.value, SeatStage.GENERAL.label

    city = models.ForeignKey("vacancies.City", on_delete=models.PROTECT, related_name="claim_windows")
    cohort = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=2, choices=Language.choices)
    group_type = models.CharField(max_length=20, choices=GroupType.choices)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("claim window")
        verbose_name_plural = _("claim windows")
        ordering = ["-closes_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "cohort", "language", "group_type", "stage", "opens_at", "closes_at"],
                name="claim_window_one_per_market_and_moment",
            ),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="claim_window_closes_after"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.key}"

    @property
    def key(self) -> str:
        """The window's public id, as the protocol and the downloads name it (UTC moments)."""
        opens, closes = (m.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ") for m in (self.opens_at, self.closes_at))
        return f"{self.cohort}-{self.language}-{self.group_type}-{self.stage}-{opens}-{closes}"

    def is_open(self, moment: dt.datetime) -> bool:
        return self.opens_at <= moment < self.closes_at


class Bid(models.Model):
    """One child's ordered list of groups in one window (R-W-3); twins have a row each, sharing `batch`
    and the list. A new list replaces the row: the last version counts, and none counts twice."""

    # No index of its own: the unique (window, application) serves every lookup by window, and a second
    # one only cost each bid's write and tempted the planner into reading the whole window (bids.py).
    window = models.ForeignKey(ClaimWindow, on_delete=models.PROTECT, related_name="bids", db_index=False)
    application = models.ForeignKey("placement.Application", on_delete=models.PROTECT, related_name="bids")
    batch = models.UUIDField()
    # Group ids, best first; at most the city's K (window_max_groups) when placed.
    groups = models.JSONField(default=list)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # When the family was told its list gave no seat: set in the transaction that sends, so a retried
    # task (ACKS_LATE) sends nothing twice and a failed send leaves it empty for the retry.
    unplaced_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["window", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["window", "application"], name="bid_one_per_application_and_window"),
        ]
        # A new list finds the twin rows of the old one by their batch (bids.py): without this index
        # each bid read every bid of its window, and a window's first minute grew slower bid by bid.
        indexes = [models.Index(fields=["batch"], name="bid_batch_idx")]

    def __str__(self) -> str:
        return f"{self.application_id} in {self.window_id}: {self.groups}"


class WindowAllocation(models.Model):
    """The run of a window's allocation (R-W-4): its row exists once, written in the transaction that
    issued the window's referrals, so a second, concurrent, crashed or late run finds it or nothing."""

    window = models.OneToOneField(ClaimWindow, on_delete=models.PROTECT, related_name="allocation")
    ran_at = models.DateTimeField()
    bids = models.PositiveIntegerField(default=0)
    placed = models.PositiveIntegerField(default=0)
    # The public record (record.py): masked bids with their rank at the close, the seats, the result.
    record = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("window allocation")
        verbose_name_plural = _("window allocations")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.window} ran {self.ran_at:%Y-%m-%d %H:%M}"
