"""Users and their roles, legal-representative links, account blocks and the audit log."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Role(models.TextChoices):
        PARENT = "parent", _("legal representative")
        STAFF = "staff", _("kindergarten staff")
        OFFICER = "officer", _("education department officer")
        ADMIN = "admin", _("administrator")

    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PARENT)
    iin = models.CharField(_("IIN"), max_length=12, unique=True, null=True, blank=True)
    phone = models.CharField(max_length=20, unique=True, null=True, blank=True)
    phone_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Officers act for one city; staff for the kindergartens listed here (R-A-1).
    city = models.ForeignKey("vacancies.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kindergartens = models.ManyToManyField("vacancies.Kindergarten", blank=True, related_name="staff")
    language = models.CharField(max_length=2, default="kk")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=~Q(role="officer") | Q(city__isnull=False), name="user_officer_has_city"),
        ]


class RepresentativeLink(models.Model):
    """A user's right to act for a child (R-A-2); only a verified link may file or claim."""

    class Relation(models.TextChoices):
        PARENT = "parent", _("parent")
        GUARDIAN = "guardian", _("guardian")
        FOSTER = "foster", _("foster carer")

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting verification")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("rejected")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="child_links")
    child = models.ForeignKey("placement.Child", on_delete=models.CASCADE, related_name="representative_links")
    relation = models.CharField(max_length=10, choices=Relation.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    document = models.CharField(max_length=300, blank=True, help_text=_("Court decision or guardianship act."))
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("legal representative link")
        verbose_name_plural = _("legal representative links")
        constraints = [models.UniqueConstraint(fields=["user", "child"], name="representative_link_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.child} ({self.get_relation_display()})"


class AccountBlock(models.Model):
    """R-A-3: a shared cabinet is blocked for the city's block length."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="blocks")
    reason = models.CharField(max_length=500)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lift_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("account block")
        verbose_name_plural = _("account blocks")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="block_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d}–{self.ends_at:%Y-%m-%d}"


class AuditLog(models.Model):
    """Who changed what, when and from where (R-A-4). Written by services, never edited."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    city = models.ForeignKey("vacancies.City", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
