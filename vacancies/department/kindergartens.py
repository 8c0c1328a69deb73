"""The registries: the city's kindergartens and their groups."""

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.department.access import department_page
from indigo import clock
from indigo.errors import ServiceError
from indigo.forms import empty_choices_label
from indigo.inputs import query_int
from vacancies.models import City, Group, Kindergarten, Seat
from vacancies.registry_services import (
    GROUP_FIELDS,
    KINDERGARTEN_FIELDS,
    group_save,
    kindergarten_save,
)


class KindergartenForm(forms.ModelForm):
    class Meta:
        model = Kindergarten
        fields = list(KINDERGARTEN_FIELDS)
        labels = {
            "number": gettext_lazy("Number"),
            "name_kk": gettext_lazy("Name in Kazakh"),
            "name_ru": gettext_lazy("Name in Russian"),
            "name_en": gettext_lazy("Name in English"),
            "district": gettext_lazy("District"),
            "ownership": gettext_lazy("Ownership"),
            "address_kk": gettext_lazy("Address in Kazakh"),
            "address_ru": gettext_lazy("Address in Russian"),
            "phone": gettext_lazy("Phone"),
            "state_order_places": gettext_lazy("State-order places"),
            "is_active": gettext_lazy("Open"),
        }

    def __init__(self, *args, city: City, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = city.districts.all()
        empty_choices_label(self, district=gettext_lazy("— choose a district —"))


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = list(GROUP_FIELDS)
        labels = {
            "name": gettext_lazy("Group"),
            "cohort": gettext_lazy("Born in"),
            "language": gettext_lazy("Language"),
            "group_type": gettext_lazy("Group type"),
            "capacity": gettext_lazy("Places"),
            "is_active": gettext_lazy("Open"),
        }
        help_texts = {"cohort": ""}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        empty_choices_label(self)


@department_page
def kindergartens_page(request: HttpRequest, city: City) -> HttpResponse:
    kindergartens = Kindergarten.objects.filter(city=city).select_related("district")
    district = query_int(request.GET, "district")
    ownership = request.GET.get("ownership", "")
    query = request.GET.get("q", "").strip()
    if district is not None:
        kindergartens = kindergartens.filter(district_id=district)
    if ownership in Kindergarten.Ownership.values:
        kindergartens = kindergartens.filter(ownership=ownership)
    if query:
        kindergartens = kindergartens.filter(Q(name_ru__icontains=query) | Q(name_kk__icontains=query))
    kindergartens = kindergartens.annotate(
        groups_open=Count("groups", filter=Q(groups__is_active=True)),
        places=Sum("groups__capacity", filter=Q(groups__is_active=True)),
    ).order_by("number", "name_ru")
    context = {
        "city": city,
        "section": "kindergartens",
        "kindergartens": kindergartens,
        "districts": city.districts.all(),
        "ownerships": Kindergarten.Ownership.choices,
        "filters": {"district": "" if district is None else str(district), "ownership": ownership, "q": query},
    }
    return render(request, "department/kindergartens.html", context)


def _kindergarten_context(city, kindergarten, form, group_forms=None, new_group_form=None) -> dict:
    group_forms = group_forms or {}
    groups = []
    if kindergarten is not None:
        held = dict(
            Seat.objects.filter(group__kindergarten=kindergarten, state__in=Seat.HOLDING_STATES)
            .values_list("group_id")
            .annotate(n=Count("pk"))
        )
        for group in kindergarten.groups.order_by("cohort", "language", "name"):
            groups.append(
                {
                    "group": group,
                    "held": held.get(group.pk, 0),
                    "form": group_forms.get(group.pk) or GroupForm(instance=group, auto_id=f"id_g{group.pk}_%s"),
                }
            )
    return {
        "city": city,
        "section": "kindergartens",
        "kindergarten": kindergarten,
        "form": form,
        "groups": groups,
        "new_group_form": new_group_form
        or GroupForm(initial={"cohort": clock.local_today().year - 3}, auto_id="id_newgroup_%s"),
    }


@department_page
def kindergarten_page(request: HttpRequest, city: City, kindergarten_id: int | None = None) -> HttpResponse:
    kindergarten = None
    if kindergarten_id is not None:
        kindergarten = get_object_or_404(Kindergarten.objects.select_related("district"), pk=kindergarten_id, city=city)
    template = "department/kindergarten.html"
    if request.method != "POST":
        form = KindergartenForm(instance=kindergarten, city=city)
        return render(request, template, _kindergarten_context(city, kindergarten, form))
    action = request.POST.get("action", "kindergarten")
    form = KindergartenForm(instance=kindergarten, city=city)
    if action == "kindergarten":
        stored = Kindergarten.objects.get(pk=kindergarten.pk) if kindergarten else Kindergarten(city=city)
        form = KindergartenForm(request.POST, instance=stored, city=city)
        if not form.is_valid():
            messages.error(request, _("Please correct the marked fields."))
            return render(request, template, _kindergarten_context(city, kindergarten, form), status=400)
        try:
            saved = kindergarten_save(
                city=city,
                kindergarten=kindergarten,
                values={field: form.cleaned_data[field] for field in KindergartenForm.Meta.fields},
                by=request.user,
                request=request,
            )
        except ServiceError as error:
            messages.error(request, error.detail)
            return render(request, template, _kindergarten_context(city, kindergarten, form), status=400)
        messages.success(request, _("Kindergarten saved."))
        return redirect("department-kindergarten", city_slug=city.slug, kindergarten_id=saved.pk)
    if kindergarten is None:
        raise Http404
    if action in ("group", "new_group"):
        group = None
        if action == "group":
            group = get_object_or_404(Group, pk=query_int(request.POST, "group") or 0, kindergarten=kindergarten)
        stored = Group.objects.get(pk=group.pk) if group else Group(kindergarten=kindergarten)
        auto_id = f"id_g{group.pk}_%s" if group else "id_newgroup_%s"
        group_form = GroupForm(request.POST, instance=stored, auto_id=auto_id)

        def again(status=400):
            forms_by_group = {group.pk: group_form} if group else {}
            context = _kindergarten_context(city, kindergarten, form, forms_by_group, None if group else group_form)
            return render(request, template, context, status=status)

        if not group_form.is_valid():
            messages.error(request, _("Please correct the marked fields."))
            return again()
        try:
            group_save(
                kindergarten=kindergarten,
                group=group,
                values={field: group_form.cleaned_data[field] for field in GroupForm.Meta.fields},
                by=request.user,
                request=request,
            )
        except ServiceError as error:
            messages.error(request, error.detail)
            return again()
        messages.success(request, _("Group saved."))
        return redirect("department-kindergarten", city_slug=city.slug, kindergarten_id=kindergarten.pk)
    return HttpResponse(status=400)
