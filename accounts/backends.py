"""Sign-in by IIN, phone or login, and the brute-force lockout's view of who is being guessed (R-A-4)."""

import functools

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Sum

from accounts.identity import find_user
from accounts.models import User
from indigo import clock


class IdentifierBackend(ModelBackend):
    """The password check of ModelBackend, with the account found by IIN, phone or login."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Hash anyway so that a wrong identifier takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The signed-in account of a request and whether a block is in force on it, in one query:
        every signed-in request asks both (accounts/middleware.py), and the claim rush is made of
        them. An account with a block in force has it read in full by active_block() as before."""
        from accounts.scoping import remember_no_block

        now = clock.now()
        user = _user_with_block(user_id, now)
        if user is None or not self.user_can_authenticate(user):
            return None
        if not user.blocked_now:
            remember_no_block(user)
        return user


def _user_with_block(user_id, now) -> User | None:
    if connection.vendor != "postgresql":
        # raw() for the fields' converters (SQLite keeps timestamps as text).
        return next(iter(User.objects.raw(_USER_WITH_BLOCK_SQL.format(columns="u.*"), [now, now, user_id])), None)
    # The row made into a User directly: raw()'s machinery (its column mapping and converters, which
    # psycopg2's own types make needless) was a fifth of reading the account on every request.
    columns, attnames = _user_columns()
    with connection.cursor() as cursor:
        cursor.execute(_USER_WITH_BLOCK_SQL.format(columns=columns), [now, now, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user = User.from_db(connection.alias, attnames, row[:-1])
    user.blocked_now = row[-1]
    return user


@functools.cache
def _user_columns() -> tuple[str, list[str]]:
    fields = User._meta.concrete_fields
    return ", ".join(f"u.{field.column}" for field in fields), [field.attname for field in fields]


# Only the model's own column names are formatted into this.
_USER_WITH_BLOCK_SQL = """
SELECT {columns}, EXISTS (SELECT 1 FROM accounts_accountblock b WHERE b.user_id = u.id AND b.lifted_at IS NULL
                    AND b.starts_at <= %s AND b.ends_at > %s) AS blocked_now
FROM accounts_user u WHERE u.id = %s
"""


def lockout_username(request, credentials) -> str:
    """One lockout counter per account, whether it is guessed by IIN, phone or login."""
    field = settings.AXES_USERNAME_FORM_FIELD
    identifier = (credentials or {}).get(field)
    if identifier is None and request is not None:
        identifier = getattr(request, "data", request.POST).get(field)
    identifier = str(identifier or "").strip()[:150]
    user = find_user(identifier)
    return f"user:{user.pk}" if user is not None else f"unknown:{identifier.lower()}"


class AccountAndAddressLockout(AxesDatabaseHandler):
    """Axes locks per account and per address; an address shared by many families (mobile NAT)
    gets a higher limit than one account, so the address count is scaled to the account limit."""

    def get_failures(self, request, credentials=None) -> int:
        # AXES_LOCKOUT_PARAMETERS is ["username", "ip_address"]: one queryset for each, in that order.
        per_account, per_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        account_limit = settings.AXES_FAILURE_LIMIT
        address_limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
        return max(per_account, per_address * account_limit // address_limit)
