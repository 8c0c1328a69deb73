"""The Content-Security-Policy header (django-csp), its text built once instead of for every response.

No page here asks for a nonce (there is no inline script or style) and no view changes the policy, so
every response carries the same two texts. django-csp rebuilt them per response, the report-only one
too, from the settings: in a claim rush that was a twentieth of the server's CPU per claim. A response
that does ask for a nonce or carries a view's own policy still goes through django-csp unchanged.
"""

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What a view's decorators (csp_update, csp_replace, csp_override…) leave on its response.
_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
_HEADERS = (
    (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
    (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
)


@functools.cache
def _policy(report_only: bool) -> str:
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def _policy_forget(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy.cache_clear()


class CSPMiddleware(LibraryCSPMiddleware):
    def process_response(self, request, response):
        own = getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, n) for n in _PER_RESPONSE)
        if own or (settings.DEBUG and response.status_code in (404, 500)):
            return super().process_response(request, response)
        for header, setting, exempt, report_only in _HEADERS:
            text = _policy(report_only)
            prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            excluded = prefixes and request.path_info.startswith(prefixes)
            if text and header not in response and not getattr(response, exempt, False) and not excluded:
                response[header] = text
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
