"""Row locks, taken one way on every path that takes them (after pretix's locking.py).

Lock what becomes less available, once per transaction, as late as possible, in pk order (two
transactions locking the same rows then never wait on each other in a circle), and never wait long:
`SET LOCAL lock_timeout` bounds every wait of the transaction, and a lock not had in time becomes a
Busy error, "busy, try again" in the reader's language with 503, instead of a request hanging in a
rush. The claim sends the timeout in its one locking round trip (lock_timeout_sql); every other
path opens its transaction with locking_atomic() and locks with rows_lock().

The city's protocol writer lock, which is shared and never waits, is vacancies/locking.py's.
"""

import contextlib

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils.translation import gettext_lazy as _

from indigo.errors import Busy

# PostgreSQL's lock_not_available: a lock wait ran past lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"


def busy() -> Busy:
    return Busy("busy", _("Someone else is changing this right now. Please try again in a moment."))


def lock_timeout_ms() -> int:
    return settings.LOCK_TIMEOUT_MS


def lock_timeout_sql() -> str:
    """The statement that bounds this transaction's lock waits; an integer, nothing to quote."""
    return f"SET LOCAL lock_timeout = {int(lock_timeout_ms()):d};"


def lock_timeout_set() -> None:
    """Bound the current transaction's lock waits (PostgreSQL; SQLite has one writer and no row locks)."""
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("lock_timeout_set() must run inside the transaction it bounds")
        with connection.cursor() as cursor:
            cursor.execute(lock_timeout_sql())


def is_lock_timeout(error: BaseException) -> bool:
    return getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE


@contextlib.contextmanager
def busy_on_lock_timeout(make_busy=busy):
    """Turn a lock wait that ran out into a Busy error (`make_busy` words it for the path)."""
    try:
        yield
    except OperationalError as error:
        if is_lock_timeout(error):
            raise make_busy() from None
        raise


@contextlib.contextmanager
def locking_atomic(*, durable: bool = False, make_busy=busy):
    """A transaction whose lock waits are bounded: Busy when a lock is not had in time."""
    with busy_on_lock_timeout(make_busy), transaction.atomic(durable=durable):
        lock_timeout_set()
        yield


def rows_lock(queryset, pks, *, of=("self",), no_key: bool = False) -> list:
    """Lock the rows of `queryset` with these pks, in pk order, and return them as they now are.

    Inside locking_atomic(): the wait is bounded and its end is a Busy error."""
    ordered = sorted(set(pks))
    if not ordered:
        return []
    return list(queryset.select_for_update(of=of, no_key=no_key).filter(pk__in=ordered).order_by("pk"))
