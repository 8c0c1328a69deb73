"""Form pieces every page shares (issue 12): dates shown and typed as dd.mm.yyyy in every language,
and select fields whose empty choice says what to do instead of Django's "---------"."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from indigo.inputs import BadInput, DateField, parse_date_input

DATE_FORMAT = "%d.%m.%Y"


class DateInput(forms.DateInput):
    """A text field for dd.mm.yyyy. Not type="date": a browser's own date control shows the date in the
    device's format (mm/dd/yyyy on an English phone) and validates in the device's language."""

    def __init__(self, attrs=None):
        defaults = {"inputmode": "numeric", "autocomplete": "off", "placeholder": _("dd.mm.yyyy"), "size": 10}
        super().__init__(attrs={**defaults, **(attrs or {})}, format=DATE_FORMAT)


def date_field(**kwargs) -> forms.DateField:
    """A form date typed as dd.mm.yyyy, its digits read in any script and its year within what the
    portal can count (indigo/inputs.py DateField)."""
    kwargs.setdefault("error_messages", {"invalid": _("Give the date as dd.mm.yyyy, e.g. 31.05.2024.")})
    return DateField(widget=DateInput(), **kwargs)


def date_parse(text: str) -> dt.date | None:
    """A date typed outside a Django form (a plain HTML field): dd.mm.yyyy or ISO, else None."""
    try:
        return parse_date_input(text)
    except BadInput:
        return None


def empty_choices_label(form: forms.BaseForm, label=None, **per_field) -> None:
    """Replace Django's "---------" in every select of the form: `per_field` names a label for a field,
    `label` is the rest's (default "— choose —")."""
    for name, field in form.fields.items():
        text = per_field.get(name, label or _("— choose —"))
        if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
            field.empty_label = text
        elif isinstance(field, forms.ChoiceField):
            field.choices = [(value, text if value == "" else shown) for value, shown in field.choices]
