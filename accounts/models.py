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
            # ASCII digits only, whatever a form lets through: the same IIN or phone in another
            # script's digits would otherwise be a second account (indigo/digits.py).
            models.CheckConstraint(condition=Q(iin__regex=r"^[0-9]{12}$"), name="user_iin_ascii_digits"),
            models.CheckConstraint(condition=Q(phone__regex=r"^\+7[0-9]{10}$"), name="user_phone_ascii_digits"),
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
    # The department that verifies the link: the city of the child's application, else the parent's.
    city = models.ForeignKey("vacancies.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision_reason = models.CharField(max_length=300, blank=True)
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
    city = models.ForeignKey("vacancies.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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
        indexes = [models.Index(fields=["user", "ends_at"], name="block_user_ends_idx")]

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


class PhoneCode(models.Model):
    """A one-time code sent by SMS; only its keyed hash is kept (R-A-2)."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("sign-up")
        RESET = "reset", _("password reset")

    phone = models.CharField(max_length=20)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["phone", "purpose", "created_at"], name="phone_code_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.phone} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class LoginSignal(models.Model):
    """One successful login: where from and which session, the evidence for cabinet sharing (R-A-3)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_signals")
    at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    network = models.CharField(max_length=50)
    device = models.CharField(max_length=16, help_text=_("Digest of the browser's user agent without versions."))
    user_agent = models.CharField(max_length=300, blank=True)
    session_key = models.CharField(max_length=40, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login signal")
        verbose_name_plural = _("login signals")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "at"], name="login_signal_user_at_idx"),
            models.Index(fields=["session_key"], name="login_signal_session_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d %H:%M} {self.network}"


class AccountFlag(models.Model):
    """An account seen in more concurrent places than its city allows, waiting for the department."""

    class State(models.TextChoices):
        OPEN = "open", _("awaiting review")
        BLOCKED = "blocked", _("blocked")
        DISMISSED = "dismissed", _("dismissed")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="flags")
    city = models.ForeignKey("vacancies.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    networks = models.PositiveSmallIntegerField()
    devices = models.PositiveSmallIntegerField()
    threshold = models.PositiveSmallIntegerField()
    # The concurrent logins that raised the flag: time, address, network, device, user agent.
    evidence = models.JSONField(default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("account flag")
        verbose_name_plural = _("account flags")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(state="open"), name="account_flag_one_open_per_user"),
            models.CheckConstraint(
                condition=Q(state="open") | Q(decided_at__isnull=False), name="account_flag_decision_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_state_display()}"


class ApiToken(models.Model):
    """A key for an integration; only its SHA-256 is stored, the key is shown once when issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text=_("Which system uses this key."))
    prefix = models.CharField(max_length=8, help_text=_("The key's first characters, to recognise it."))
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
