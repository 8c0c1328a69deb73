"""The queue page (R-Q-2): one market of the city's queue in order, as the department sees it."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.department.access import department_page
from indigo.choices import GroupType, Language
from placement.models import Application, Child
from placement.queue import Market, queue_ordered
from vacancies.models import City


class QueueFilterForm(forms.Form):
    """Which market of the city's queue to show; a bad choice is said on the form, never a 400."""

    cohort = forms.TypedChoiceField(label=gettext_lazy("Birth year"), coerce=int)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    group_type = forms.ChoiceField(label=gettext_lazy("Group type"), choices=GroupType.choices)

    def __init__(self, *args, city: City, **kwargs):
        super().__init__(*args, **kwargs)
        cohorts = (
            Application.objects.filter(city=city, state=Application.State.ACTIVE)
            .values_list("cohort", flat=True)
            .distinct()
            .order_by("-cohort")
        )
        self.fields["cohort"].choices = [("", gettext_lazy("— choose a birth year —")), *((c, c) for c in cohorts)]


@department_page
def department_queue(request: HttpRequest, city: City) -> HttpResponse:
    """R-Q-2 for the education department: one market's whole queue in order, for the officer's city."""
    form = QueueFilterForm(request.GET or None, city=city, initial={"language": "kk", "group_type": "general"})
    rows = []
    if form.is_valid():
        data = form.cleaned_data
        market = Market(city.pk, data["cohort"], data["language"], data["group_type"])
        ordered = queue_ordered(market=market, city=city, limit=500)
        applications = Application.objects.in_bulk([pk for pk, _tier, _pos in ordered])
        children = Child.objects.in_bulk([a.child_id for a in applications.values()])
        tiers = {0: _("extraordinary right"), 1: _("first priority"), 2: _("general")}
        for pk, tier, position in ordered:
            application = applications[pk]
            rows.append(
                {
                    "position": position,
                    "application": application,
                    "child": children[application.child_id],
                    "tier": tiers[tier],
                }
            )
    context = {"city": city, "section": "queue", "form": form, "rows": rows}
    return render(request, "placement/department_queue.html", context)
