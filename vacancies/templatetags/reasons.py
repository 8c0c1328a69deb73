"""Reasons from the lists of vacancies/reasons.py in templates: their labels and the choices of a form."""

from django import template

from vacancies.reasons import DepartureReason, RefusalReason, WithdrawalReason, reason_label

register = template.Library()

_LISTS = {"withdrawal": WithdrawalReason, "refusal": RefusalReason, "departure": DepartureReason}


@register.filter(name="reason_label")
def reason_label_filter(code: str, kind: str | None = None) -> str:
    return reason_label(code, kind)


@register.simple_tag
def reason_choices(name: str) -> list[tuple[str, str]]:
    return _LISTS[name].choices
