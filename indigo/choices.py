"""Choices shared by the placement and vacancies apps (a seat and an application must match on them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    KK = "kk", _("Kazakh")
    RU = "ru", _("Russian")


class GroupType(models.TextChoices):
    GENERAL = "general", _("General")
    SPEECH_THERAPY = "speech", _("Speech therapy")
    SANATORIUM = "sanatorium", _("Sanatorium")
    CORRECTIONAL = "correctional", _("Correctional")
    SHORT_STAY = "short_stay", _("Short stay")
