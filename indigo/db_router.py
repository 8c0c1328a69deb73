"""Public pages read from a streaming replica when there is one (DATABASE_REPLICA_URL).

Only views marked `@public_read` (the registry, the protocols, the kindergarten directory, the
summer schedule: pages anyone may open, the same for everybody) send their reads there, and only the
public data: accounts and sessions are always read from the primary, which is also where every
write, every locked read and every claim goes. A replica is a few milliseconds behind; for these
pages that is the same as having opened them a moment earlier.
"""

import contextvars
import functools

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# Apps whose tables the public pages show. Identity (accounts, auth, sessions) stays on the primary,
# so a parent who has just signed in is never told otherwise by a lagging replica.
PUBLIC_APPS = frozenset({"vacancies", "placement"})

_public_read = contextvars.ContextVar("indigo_public_read", default=False)


def public_read(view):
    """Mark a read-only public view: its queries of public data may go to the replica."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        token = _public_read.set(True)
        try:
            return view(*args, **kwargs)
        finally:
            _public_read.reset(token)

    return wrapped


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class PublicReadRouter:
    def db_for_read(self, model, **hints):
        # Said explicitly rather than None: Django would otherwise follow a row read from the replica
        # (say a city cached by a public page) back to the replica from a claim.
        if not _public_read.get() or model._meta.app_label not in PUBLIC_APPS or not replica_configured():
            return DEFAULT_DB_ALIAS
        # Inside a transaction on the primary a read must see that transaction's own writes.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS
