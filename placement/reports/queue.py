"""Queue length: children in the queue now by cohort, language and district."""

from collections import defaultdict

from django.db.models import (
    Count,
    OuterRef,
    Subquery,
)
from django.utils.translation import gettext_lazy as _

from placement.models import Application
from vacancies.models import City, District
from vacancies.reports.base import Chart, Report, language_label
from vacancies.reports.registry import report_listed

NO_PREFERENCE = _("no preference")


@report_listed(
    "queue",
    _("Queue length"),
    _("Children in the queue now, by birth year, language and district."),
    order=10,
    uses_period=False,
)
def report_queue(*, city: City) -> Report:
    """Children in the queue now by cohort, language and district (of the first preferred kindergarten)."""
    through = Application.preferred_kindergartens.through
    first_choice = (
        through.objects.filter(application_id=OuterRef("pk")).order_by("pk").values("kindergarten__district_id")[:1]
    )
    counts = (
        Application.objects.filter(city=city, state=Application.State.ACTIVE)
        .annotate(district_id=Subquery(first_choice))
        .values("cohort", "language", "district_id")
        .annotate(children=Count("pk"))
        .order_by("cohort", "language", "district_id")
    )
    districts = {district.pk: district.name for district in District.objects.filter(city=city)}
    rows, by_district, markets = [], defaultdict(dict), []
    for row in counts:
        district = districts.get(row["district_id"], NO_PREFERENCE) if row["district_id"] else NO_PREFERENCE
        market = f"{row['cohort']} · {language_label(row['language'])}"
        if market not in markets:
            markets.append(market)
        by_district[str(district)][market] = row["children"]
        rows.append([row["cohort"], language_label(row["language"]), str(district), row["children"]])
    total = sum(row[3] for row in rows)
    district_order = sorted(by_district, key=lambda name: (name == str(NO_PREFERENCE), name))
    chart = Chart(
        type="bar",
        labels=markets,
        datasets=[
            {"label": name, "data": [by_district[name].get(market, 0) for market in markets]} for name in district_order
        ],
        stacked=True,
        x_title=_("Birth year · language"),
        y_title=_("Children in the queue"),
    )
    return Report(
        slug="queue",
        label_columns=frozenset({0, 1, 2}),
        columns=[_("Birth year"), _("Language"), _("District"), _("Children in the queue")],
        rows=rows,
        chart=chart,
        summary=[(_("Children in the queue"), total)],
        notes=[
            _(
                "A child's district is the district of the first kindergarten the parent preferred; "
                "children with no preferred kindergarten are counted apart."
            )
        ],
    )
