"""API tokens for integrations (see accounts.authentication for why not rest_framework.authtoken)."""

import datetime as dt
import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.authentication import hash_key
from accounts.models import ApiToken, User
from indigo import clock
from indigo.errors import Conflict, ServiceError

KEY_PREFIX = "ind_"


def api_token_issue(*, user: User, name: str, days: int | None = 365, by: User | None = None) -> tuple[ApiToken, str]:
    """Make a token; returns it with the key, which is not stored and cannot be shown again."""
    if user.role == User.Role.PARENT:
        raise ServiceError("token_for_parent", _("Tokens are for integrations of staff and departments, not parents."))
    name = (name or "").strip()
    if not name:
        raise ServiceError("token_name_required", _("Name the system that will use the token."))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=key[: len(KEY_PREFIX) + 4],
            key_hash=hash_key(key),
            created_at=now,
            created_by=by,
            expires_at=now + dt.timedelta(days=days) if days else None,
        )
        audit_record(
            actor=by, action="api_token.issue", obj=token, city=user.city, data={"user": user.pk, "name": name}
        )
    return token, key


def api_token_revoke(*, token: ApiToken, by: User | None = None) -> ApiToken:
    with transaction.atomic():
        if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now()):
            raise Conflict("token_revoked", _("This token is already revoked."))
        audit_record(actor=by, action="api_token.revoke", obj=token, city=token.user.city, data={"user": token.user_id})
    token.refresh_from_db()
    return token
