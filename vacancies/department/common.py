"""What the console's forms share: the reason every change carries, and the year a page shows."""

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from indigo.inputs import query_int

REASON_WIDGET = forms.TextInput(attrs={"maxlength": 300, "autocomplete": "off"})


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, widget=REASON_WIDGET)


def year_param(request: HttpRequest, default: int) -> int:
    year = query_int(request.GET, "year")
    return year if year is not None and 2000 <= year <= 2099 else default
