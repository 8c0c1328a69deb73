"""The daily protocol of a city, its entries and the notices other parts hand to it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .city import City
from .seats import Seat


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
