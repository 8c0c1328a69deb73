"""{% kindergarten_releases %} for templates/public/_releases.html (issue 16, item 2)."""

from django import template
from django.utils.translation import ngettext

from vacancies.release_stats import release_rows_named, release_stats_by_kindergarten

register = template.Library()


@register.simple_tag
def kindergarten_releases(city):
    return release_rows_named(release_stats_by_kindergarten(city=city)) if city else []


@register.filter
def claim_time_words(hours: float | None) -> str:
    """A median wait for a claim as a person says it: hours under two days, days above."""
    if hours is None:
        return "—"
    if hours < 36:
        n = max(round(hours), 1)
        return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
    n = round(hours / 24)
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
