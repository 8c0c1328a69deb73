import sys

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- Error pages (issue 12): in the page's language, styled like the site, with a way home -----------


def _language_of(request: HttpRequest) -> str:
    # The address says the language (/kk/…, /ru/…); when the portal is failing nothing else is trusted.
    prefix = request.path_info.lstrip("/").split("/", 1)[0]
    return prefix if prefix in dict(settings.LANGUAGES) else (translation.get_language() or settings.LANGUAGE_CODE)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _error_page(request: HttpRequest, template: str, status: int, code: str, detail, **context) -> HttpResponse:
    with translation.override(_language_of(request)):
        if _is_api(request):
            return JsonResponse({"code": code, "detail": str(detail)}, status=status)
        return render(request, template, {"city": None, **context}, status=status)


def bad_request(request: HttpRequest, exception=None, message=None) -> HttpResponse:
    """400. `message` is a reason in the user's language, shown when given (the contract with the
    security work). A BadRequest our code raises carries one; Django's own SuspiciousOperation
    messages are technical English and stay in the log."""
    if message is None and isinstance(exception, BadRequest) and not isinstance(exception, SuspiciousOperation):
        message = str(exception) if exception.args else None
    detail = message or _("The request could not be understood.")
    return _error_page(request, "400.html", 400, "bad_request", detail, message=message)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page(request, "403.html", 403, "forbidden", _("You may not open this page."))


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page(request, "404.html", 404, "not_found", _("Page not found"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(
        request, "403_csrf.html", 403, "csrf_failed", _("The form has expired. Reload the page and try again.")
    )


# A database or Redis that does not answer (a restart, a failover) is an outage, not a bug: "busy, try
# again" with 503 and Retry-After, like admission control, rather than a 500 (docs/deploy.md, drills).
OUTAGE_RETRY_AFTER = "30"
# What psycopg2 says when the server is gone, refuses connections, or is stopping or starting.
_DATABASE_OUTAGE_WORDS = ("connect", "terminat", "shutting down", "starting up")


def _is_outage() -> bool:
    # Django calls handler500 inside its `except` block, so the exception being handled is at hand.
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        # Only a lost or refused connection: any other database error is a bug and stays a 500.
        return any(word in str(error).lower() for word in _DATABASE_OUTAGE_WORDS)
    return isinstance(error, RedisConnectionError | RedisTimeoutError)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 without the request context: no context processor, session or database may be needed to
    say that something failed (any of them may be what failed). An outage answers 503 instead."""
    language = _language_of(request)
    outage = _is_outage()
    status = 503 if outage else 500
    with translation.override(language):
        if _is_api(request):
            if outage:
                code, detail = "busy", _("The portal is briefly unavailable. Try again in a minute.")
            else:
                code, detail = "server_error", _("Something went wrong on our side. Try again in a minute.")
            response = JsonResponse({"code": code, "detail": str(detail)}, status=status)
        else:
            context = {"language": language, "home_url": f"/{language}/", "outage": outage}
            response = HttpResponse(loader.get_template("500.html").render(context), status=status)
    if outage:
        response["Retry-After"] = OUTAGE_RETRY_AFTER
    return response
