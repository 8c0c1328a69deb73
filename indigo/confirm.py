"""A second step before what cannot be undone (issue 12): claiming a seat, withdrawing an application,
refusing a referral, recording a departure, blocking an account.

The action's URL answers GET with a page that says the consequence in plain words; its form POSTs back
with CONFIRM_FIELD. A POST without that field (an old page, a form from elsewhere on the site, a double
tap) gets the same page instead of the action. Plain HTML forms: it works without JavaScript, and the
form carries the CSRF token like every other.
"""

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
CONFIRM_VALUE = "yes"


def confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


@dataclass
class Confirmation:
    title: str  # the question, e.g. "Claim this seat?"
    consequences: list[str]  # what will happen, in plain words, one sentence each
    button: str  # the verb on the button, e.g. "Yes, claim the seat"
    cancel_url: str
    facts: list[tuple[str, str]] = field(default_factory=list)  # what the action is about (label, value)
    hidden: dict[str, str] = field(default_factory=dict)  # fields the action needs, carried over
    danger: bool = True
    # A form field shown on the page (e.g. the reason a block gives): name, label, value, required.
    ask: dict | None = None
    # A reason from a published list (R-P-4: "withdrawal", "refusal", "departure"; vacancies/reasons.py)
    # with its unpublished note, shown already chosen when the first step sent them.
    reason_kind: str = ""
    reason: str = ""
    note: str = ""

    def reason_from(self, request: HttpRequest, kind: str) -> "Confirmation":
        data = request.POST if request.method == "POST" else request.GET
        self.reason_kind, self.reason, self.note = kind, data.get("reason", ""), data.get("note", "")
        return self


def confirm_page(request: HttpRequest, confirmation: Confirmation, *, city=None, status: int = 200) -> HttpResponse:
    context = {
        "confirmation": confirmation,
        # The full path: some pages keep their state in the query string (the schedule's ?year=).
        "action_url": request.get_full_path(),
        "confirm_field": CONFIRM_FIELD,
        "confirm_value": CONFIRM_VALUE,
    }
    if city is not None:  # else the header shows the default city (vacancies.context_processors)
        context["city"] = city
    return render(request, "confirm.html", context, status=status)
