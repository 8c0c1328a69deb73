"""API authentication: the browser's session, and tokens for integrations (R-A-1 scoping applies to both).

Tokens are our own small model rather than rest_framework.authtoken: that one keeps the key itself
in the database (a leaked dump would be a set of working keys), allows one key per user and has no
expiry. Ours stores a SHA-256 of the key, names the integration, expires and is revoked by setting
a time, and the key is shown once when `manage.py issue_api_token` makes it.

Send it as `Authorization: Token <key>` (or `Bearer <key>`).
"""

import datetime as dt
import hashlib

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from accounts.models import ApiToken
from accounts.scoping import active_block
from indigo import clock

KEYWORDS = (b"token", b"bearer")
# last_used_at is a hint for the department, not an audit trail: one write per key every few minutes.
_TOUCH_EVERY = dt.timedelta(minutes=5)


class AccountBlocked(exceptions.APIException):
    status_code = 423
    default_code = "account_blocked"
    default_detail = _("This cabinet is blocked.")


_UNKNOWN = object()


def refuse_if_blocked(user, request=None) -> None:
    # The middleware has already looked this session's account up; a token's account it has not.
    block = getattr(request, "account_block", _UNKNOWN) if request is not None else _UNKNOWN
    if block is _UNKNOWN:
        block = active_block(user)
    if block is not None:
        from accounts.services.blocks import block_message

        raise AccountBlocked(detail=block_message(block), code="account_blocked")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class IndigoSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (with its CSRF check) that answers 423 for a blocked cabinet."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            refuse_if_blocked(result[0], request._request)
        return result


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Token <key>."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        now = clock.now()
        if (
            token is None
            or token.revoked_at is not None
            or (token.expires_at is not None and token.expires_at <= now)
            or not token.user.is_active
        ):
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        refuse_if_blocked(token.user)
        if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <key>"}


class IndigoSessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.IndigoSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
