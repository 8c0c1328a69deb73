"""Sessions of an account, found through its login signals (every login records one)."""

from importlib import import_module

from django.conf import settings

from accounts.models import LoginSignal
from indigo import clock


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_alive(session_key: str) -> bool:
    return bool(session_key) and _store()().exists(session_key)


def sessions_end(*, user) -> int:
    """Sign the account out everywhere: delete its sessions, mark their signals ended."""
    store = _store()
    signals = LoginSignal.objects.filter(user=user, ended_at__isnull=True).exclude(session_key="")
    keys = list(signals.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    signals.update(ended_at=clock.now())
    return len(keys)
