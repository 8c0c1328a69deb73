"""{% wait_panel %} for templates/placement/_wait.html: the cabinet's expected-wait block reads its own
data, so the cabinet view and template only include it (they are reworked by others in parallel)."""

from django import template

from placement.models import WaitAlert
from placement.wait import wait_estimate
from vacancies.release_stats import release_rows_named, release_stats

register = template.Library()


@register.simple_tag(takes_context=True)
def wait_panel(context, application, position):
    estimate = wait_estimate(application=application, position=position)
    if estimate is None:
        return None
    market = (application.cohort, application.language, application.group_type)
    user = context["request"].user
    alert = WaitAlert.objects.filter(application=application, user=user).first()
    followed = set(alert.kindergartens.values_list("pk", flat=True)) if alert else set()
    return {
        "estimate": estimate,
        "kindergartens": release_rows_named(release_stats(city=application.city).get(market, [])),
        "alert": alert,
        "followed": followed,
        "user": user,
        "rate": _rate(estimate.per_week),
    }


def _rate(per_week: float) -> tuple[int, str]:
    """The pace as a whole number a person would say: per week from 2 a week, per month below."""
    if per_week >= 2:
        return round(per_week), "week"
    return max(round(per_week * 52 / 12), 0), "month"
