"""A page's POST that runs one service and says how it went on the next page (post, redirect, get)."""

from django.contrib import messages
from django.http import HttpRequest

from indigo.errors import ServiceError


def perform(request: HttpRequest, service, *, done: str, **arguments) -> None:
    """The service's refusal, in the user's language, or `done` as the message the redirect shows."""
    try:
        service(**arguments, by=request.user, request=request)
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, done)


def perform_with_reason(request: HttpRequest, service, *, done: str, **target) -> None:
    """The confirmed step of an action with a published reason (a withdrawal, a refusal, a departure):
    the reason code and the note the form sent."""
    reason, note = request.POST.get("reason", ""), request.POST.get("note", "")
    perform(request, service, done=done, reason=reason, note=note, **target)
