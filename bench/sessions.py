"""Signed-in parents in bulk: session rows written straight into django_session.

Logging 20,000 parents in through the login form would measure the login, hash passwords and
trip the brute-force lockout. What a sign-in leaves on the server is made instead: the session row,
encoded by Django's own session store, and, when sessions are read from the shared cache
(cached_db, indigo/settings.py), the session in the cache, as the sign-in's save puts it there.
Without it every parent's first request of a rush read its session from the database, which a
signed-in parent's request does not, while the floor's one parent read it from the cache.
"""

import datetime as dt
import secrets

CSRF_TOKEN = "benchcsrftokenbenchcsrftoken0123"  # noqa: S105 - 32 characters, as Django's CSRF secret is


def sessions_create(user_ids: list[int], *, batch: int = 5000) -> dict[int, str]:
    """A fresh session for each user; {user id: session key}."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.models import User

    backend = settings.AUTHENTICATION_BACKENDS[-1]
    store = SessionStore()
    expires = timezone.now() + dt.timedelta(hours=12)
    keys: dict[int, str] = {}
    rows = []
    for user in User.objects.filter(pk__in=user_ids).only("pk", "password").iterator(chunk_size=5000):
        key = secrets.token_hex(16) + secrets.token_hex(4)
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": backend,
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        keys[user.pk] = key
    Session.objects.bulk_create(rows, batch_size=batch)
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db":
        from django.contrib.sessions.backends.cached_db import KEY_PREFIX
        from django.core.cache import caches

        timeout = int((expires - timezone.now()).total_seconds())
        decoded = {row.session_key: store.decode(row.session_data) for row in rows}
        caches[settings.SESSION_CACHE_ALIAS].set_many(
            {KEY_PREFIX + key: data for key, data in decoded.items()}, timeout=timeout
        )
    return keys


def cookie_header(session_key: str) -> str:
    """What the browser sends: the session and the CSRF cookie (the header carries the same token)."""
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={CSRF_TOKEN}"
