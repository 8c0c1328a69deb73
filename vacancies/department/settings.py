"""The city rules page: each setting beside its default, and the log of changes with their reasons."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.department.access import department_page
from indigo.errors import ServiceError
from indigo.forms import empty_choices_label
from vacancies.city_settings import (
    SETTING_FIELDS,
    SETTING_LABELS,
    city_settings_update,
    setting_defaults,
    setting_json,
)
from vacancies.department.common import REASON_WIDGET
from vacancies.models import City, CitySettingsChange, ClaimMode


class CitySettingsForm(forms.ModelForm):
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=300, widget=REASON_WIDGET)

    class Meta:
        model = City
        fields = list(SETTING_FIELDS)
        labels = SETTING_LABELS
        widgets = {
            "publication_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "window_close": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        empty_choices_label(self)


SETTING_GROUPS = (
    (gettext_lazy("Access to seats"), ("priority_window_length", "priority_window_unit", "priority_pool_factor")),
    (gettext_lazy("Queue order"), ("interleave_privileged", "interleave_general")),
    (
        gettext_lazy("Referrals and stop-list"),
        ("referral_valid_working_days", "referral_extension_max_days", "stop_list_days"),
    ),
    (gettext_lazy("Privileges"), ("extraordinary_confirm_working_days",)),
    (
        gettext_lazy("Season and protocol"),
        ("recruitment_season_start", "august_pause_start", "august_pause_end", "publication_time"),
    ),
    (gettext_lazy("Cabinet sharing"), ("block_months", "sharing_signal_threshold")),
    (
        gettext_lazy("Claim window (applies to seats published after the change)"),
        ("priority_mode", "general_mode", "window_close", "window_max_groups"),
    ),
)


def _shown(value):
    """A logged setting as the page says it: a choice by its label, anything else as it is."""
    choices = {**dict(City.WindowUnit.choices), **dict(ClaimMode.choices)}
    return choices.get(value, value) if isinstance(value, str) else value


def _settings_context(city: City, form: CitySettingsForm) -> dict:
    defaults = {field: setting_json(value) for field, value in setting_defaults().items()}
    unit_labels = {**dict(City.WindowUnit.choices), **dict(ClaimMode.choices)}
    groups = []
    for title, fields in SETTING_GROUPS:
        rows = []
        for field in fields:
            default = defaults[field]
            rows.append({"field": form[field], "default": unit_labels.get(default, default)})
        groups.append({"title": title, "rows": rows})
    labels = {field: str(SETTING_LABELS[field]) for field in SETTING_FIELDS}
    changes = []
    for change in CitySettingsChange.objects.filter(city=city).select_related("actor")[:100]:
        changes.append(
            {
                "change": change,
                "items": [
                    (labels.get(field, field), _shown(change.before.get(field)), _shown(value))
                    for field, value in change.after.items()
                ],
            }
        )
    return {"city": city, "section": "settings", "form": form, "groups": groups, "changes": changes}


@department_page
def settings_page(request: HttpRequest, city: City) -> HttpResponse:
    if request.method != "POST":
        form = CitySettingsForm(instance=City.objects.get(pk=city.pk))
        return render(request, "department/settings.html", _settings_context(city, form))
    form = CitySettingsForm(request.POST, instance=City.objects.get(pk=city.pk))
    if not form.is_valid():
        messages.error(request, _("Please correct the marked fields."))
        return render(request, "department/settings.html", _settings_context(city, form), status=400)
    values = {field: form.cleaned_data[field] for field in SETTING_FIELDS}
    try:
        city_settings_update(
            city=city, values=values, reason=form.cleaned_data["reason"], by=request.user, request=request
        )
    except ServiceError as error:
        messages.error(request, error.detail)
        return render(request, "department/settings.html", _settings_context(city, form), status=400)
    messages.success(request, _("Settings saved. They apply from the next protocol."))
    return redirect("department-settings", city_slug=city.slug)
