"""Claiming a seat (R-S-6, R-S-7): one seat, one referral, decided under a lock.

Checks that can fail cheaply run first, outside any lock, on one read of the applications (with
whether the claimant is the child's verified representative and whether the child already holds
a referral) and one of the seats: in a rush most claims are refused there. Then, in one durable
transaction: the applications and the seats are locked (applications first, each list in pk
order, so two claims never wait on each other in a circle), every rule is checked again under the
lock, the referrals are written and the seats marked claimed. A lock not had within a few seconds
answers "busy, try again" instead of hanging. The database's partial unique constraints are the
backstop behind all of it.

In priority access the transaction first takes its market's lock (R-S-6): the turn compares the
child's rank with the market's seats, and both move with every claim of the market, so two claims
judged side by side could each see the other's seat as free and its child as gone. Serialised, each
check sees every earlier claim of the market committed. General access needs no ranking and takes
no such lock.

The statements under the lock are plain SQL rather than ORM queries: at a rush's rate the ORM's
compiling of each query cost more than the database's work (docs/performance.md).
"""

import datetime as dt
import uuid
import zlib

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_entry
from accounts.models import AuditLog
from indigo import clock
from indigo.bulk import insert_many, insert_statement, statements_together
from indigo.errors import Busy, Conflict, ServiceError
from indigo.locking import is_lock_timeout, lock_timeout_sql
from indigo.rows import rows_read
from indigo.workdays import WorkingCalendar
from placement.models import Application, Referral
from placement.queue.eligibility import (
    application_check,
    claimant_check,
    has_referral,
    pause_check,
    priority_turn,
    seat_match_check,
    seat_open_check,
    seat_stage_check,
    seat_taken,
    turn_check,
)
from placement.queue.order import Market
from placement.queue.turns import turn_snapshot
from placement.services.claim_reads import _claim_seats, _marks, claim_applications
from placement.services.referrals import referral_public_facts
from vacancies.access import Stage
from vacancies.locking import protocol_write_lock_sql
from vacancies.models import Seat
from vacancies.seat_states import SeatClaim, seats_claimed_statements, seats_mark_claimed

# Per parent: enough to try seat after seat in a rush, too few for a script hammering the portal.
CLAIM_RATE = "20/m"
TWIN_MAX_GAP = dt.timedelta(days=31)


def _busy() -> Busy:
    return Busy("busy", _("Many parents are claiming right now. Please try again in a moment."))


def twins_check(applications: list[Application]) -> None:
    births = sorted(application.child.birth_date for application in applications)
    if births[-1] - births[0] > TWIN_MAX_GAP:
        raise Conflict("not_twins", _("Seats are claimed together only for twins (born at most a month apart)."))


def _valid_until(issued: dt.datetime, city) -> dt.datetime:
    """R-S-8: valid to the end of the N-th working day after the day of issue."""
    last_day = WorkingCalendar(city).add_window_days(clock.local_date(issued), city.referral_valid_working_days)
    return clock.at_local(last_day + dt.timedelta(days=1), dt.time(0, 0))


def referral_enrol_by(*, city, at: dt.datetime) -> dt.date:
    """The last day to enrol on a referral issued at `at` (what a parent is told before claiming)."""
    return Referral(valid_until=_valid_until(at, city)).enrol_by


def seat_claim(*, seat: Seat, application: Application, by, request=None) -> Referral:
    """Claim one seat for one child; the referral or a clear ServiceError."""
    [referral] = seats_claim(seats=[seat], applications=[application], by=by, request=request)
    return referral


def _precheck(seats: list[Seat], applications: list[Application], by, now: dt.datetime) -> list[Stage]:
    """Every rule on the rows as just read; the stage of each seat. Refusals here cost no lock."""
    claimant_check(by, verified=all(application.claimant_verified for application in applications))
    if len(applications) > 1:
        twins_check(applications)
        if len({seat.group_id for seat in seats}) != 1:
            raise Conflict("twins_apart", _("Twins claim seats in one group together, or not at all."))
    pause_check(applications[0].city, now)
    for application in applications:
        application_check(application.state, application.stop_listed_until, application.holds_referral, now)
    stages = []
    for seat, application in zip(seats, applications, strict=True):
        seat_match_check(seat, application)
        stages.append(seat_open_check(seat, now))
    for stage, application in zip(stages, applications, strict=True):
        if stage == Stage.PRIORITY:
            # A refusal may come from the market's snapshot of a moment ago (placement/queue/turns.py); a claim
            # let through is decided exactly under the lock.
            turn = turn_snapshot(application=application, at=now) or priority_turn(application=application, at=now)
            turn_check(turn)
    return stages


def seats_claim(*, seats: list[Seat | int], applications: list[Application], by, request=None) -> list[Referral]:
    """Claim seats for one child, or for twins together in one group (R-S-7): all or nothing.

    `seats` are seats or their ids: only the ids are taken; `applications` best come from
    claim_applications (other ones are read again here)."""
    seat_ids = [seat if isinstance(seat, int) else seat.pk for seat in seats]
    if len(seat_ids) != len(applications) or not seat_ids:
        raise ServiceError("claim_shape", _("Claim one seat for each child."))
    if len(set(seat_ids)) != len(seat_ids) or len({a.pk for a in applications}) != len(applications):
        raise ServiceError("claim_shape", _("Claim one seat for each child."))
    if not all(hasattr(application, "claimant_verified") for application in applications):
        fresh = {application.pk: application for application in claim_applications([a.pk for a in applications], by)}
        if len(fresh) != len(applications):
            raise Conflict("application_closed", _("This application is no longer in the queue."))
        applications = [fresh[application.pk] for application in applications]
    # Read fresh whatever the objects given hold: this read is what the checks before the lock judge.
    fresh_seats = _claim_seats(seat_ids)
    if len(fresh_seats) != len(seat_ids):
        raise ServiceError("not_found", _("No such seat."), status=404)
    # The n-th seat goes to the n-th child; sorting the pairs locks in pk order.
    pairs = sorted(((fresh_seats[pk], a) for pk, a in zip(seat_ids, applications, strict=True)), key=lambda p: p[0].pk)
    now = clock.now()
    stages = _precheck([s for s, _a in pairs], [a for _s, a in pairs], by, now)
    markets = {Market.of(a) for (_s, a), stage in zip(pairs, stages, strict=True) if stage == Stage.PRIORITY}
    try:
        with transaction.atomic(durable=True):
            rows = _lock_applications([a.pk for a in applications], markets, city_id=applications[0].city_id)
            # After the market's lock: every claim that held it before has committed, with an
            # earlier moment than this one; and under the city's writer lock, so the protocol of this
            # moment waits for this commit (vacancies/locking.py).
            at = clock.now()
            for row in rows:
                application_check(row.state, row.stop_listed_until, row.holds_referral, at)
            locked = {seat.pk: seat for seat in _lock_seats([seat.pk for seat, _a in pairs])}
            if len(locked) != len(pairs):
                raise seat_taken()
            issued = _issue(
                pairs,
                locked,
                by=by,
                at=at,
                serialised=markets,
                audit=lambda referrals: audit_entry(
                    actor=by,
                    action="referral.issue",
                    obj=referrals[0],
                    city=applications[0].city,
                    request=request,
                    data={"referrals": [r.number for r in referrals], "seats": [s.pk for s, _a in pairs]},
                    at=at,
                ),
            )
    except IntegrityError as error:
        # The constraints caught what the checks should have: report it as the clear outcome it is.
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        raise (has_referral() if constraint == "referral_one_active_per_child" else seat_taken()) from None
    except OperationalError as error:
        if is_lock_timeout(error):
            raise _busy() from None
        raise
    from placement.notifications import referral_issued_notify

    for referral in issued:
        transaction.on_commit(lambda pk=referral.pk: referral_issued_notify(pk))
    return issued


# Only placeholders and the lock clause are formatted into these.
_LOCK_APPLICATIONS_SQL = """
SELECT a.id, a.state, a.stop_listed_until,
    EXISTS (SELECT 1 FROM placement_referral r WHERE r.child_id = a.child_id AND r.state = 'issued')
    AS holds_referral
FROM placement_application a WHERE a.id IN ({marks}) ORDER BY a.id {lock}
"""
_LOCK_SEATS_SQL = """
SELECT id, state, published_at, priority_from, general_from, priority_window_until, general_window_until{next_id}
FROM vacancies_seat
WHERE id IN ({marks}) ORDER BY id {lock}
"""
# With each locked seat, the id its referral will have: the referral's number is made from it, so the
# row is written once with its number instead of inserted and then updated.
_NEXT_REFERRAL_ID = ", nextval(pg_get_serial_sequence('placement_referral', 'id')) AS next_referral_id"


# pg_advisory_xact_lock(MARKET_LOCK, key): one market's priority claims, one at a time. The two-key
# form never meets a lock taken with one bigint key, whatever number that is.
MARKET_LOCK = 0x525306  # "R S 6"


def _market_key(market: Market) -> int:
    digest = zlib.crc32(f"{market.city_id}/{market.cohort}/{market.language}/{market.group_type}".encode())
    return digest - 2**32 if digest >= 2**31 else digest  # a signed 32-bit integer, as PostgreSQL takes it


def _market_locks(markets: set[Market]) -> list[str]:
    """The statements that lock the markets, in key order; tests switch them off to show what they prevent."""
    return [f"SELECT pg_advisory_xact_lock({MARKET_LOCK}, {key});" for key in sorted(map(_market_key, markets))]


def _lock_applications(pks: list[int], markets: set[Market], *, city_id: int) -> list:
    """Lock the priority markets, then the applications, with what the claim must check again: a
    withdrawal, a stop-list or another claim of the same child may have landed since they were read."""
    if connection.vendor != "postgresql":
        rows = list(Application.objects.raw(_LOCK_APPLICATIONS_SQL.format(marks=_marks(pks), lock=""), pks))
    else:
        # One round trip: the lock timeout for this transaction (it bounds the market's lock too), the
        # city's writer lock (shared: it never waits), the market locks in key order, then the
        # applications. Each statement reads the database as it is once the one before has returned,
        # so the applications are read after the market's lock.
        sql = "".join(
            [lock_timeout_sql(), protocol_write_lock_sql(city_id), *_market_locks(markets)]
            + [_LOCK_APPLICATIONS_SQL.format(marks=_marks(pks), lock="FOR UPDATE OF a")]
        )
        rows = rows_read(sql, pks)
    if len(rows) != len(pks):
        raise Conflict("application_closed", _("This application is no longer in the queue."))
    return rows


def _lock_seats(seat_ids: list[int]) -> list:
    """The lock that makes a claim safe, with the seats' state as it now is; tests switch it off
    to show what it prevents."""
    if connection.vendor != "postgresql":
        # raw() for the fields' converters (SQLite keeps timestamps as text).
        return list(Seat.objects.raw(_LOCK_SEATS_SQL.format(marks=_marks(seat_ids), lock="", next_id=""), seat_ids))
    sql = _LOCK_SEATS_SQL.format(marks=_marks(seat_ids), lock="FOR UPDATE", next_id=_NEXT_REFERRAL_ID)
    return rows_read(sql, seat_ids)  # plain rows: a model per row cost more than the lock


def _referral_number(city, at: dt.datetime, pk: int) -> str:
    """The public number follows the row's id: short, unique, and it tells nothing about the seat."""
    return f"{city.code}-{clock.local_date(at):%y}-{pk:07d}"


def _issue(
    pairs, locked: dict[int, Seat], *, by, at: dt.datetime, serialised: set[Market], audit=None
) -> list[Referral]:
    """Write one claim's referrals (twins: two, one batch), mark the seats claimed, record the events."""
    return referrals_issue([(pairs, by)], locked, at=at, serialised=serialised, audit=audit)


def referrals_issue(
    claims: list[tuple[list, object]],
    locked: dict[int, Seat],
    *,
    at: dt.datetime,
    serialised: set[Market],
    window: dict | None = None,
    audit=None,
) -> list[Referral]:
    """Write the referrals of these claims, each a list of (seat, application) pairs and its claimant,
    mark the seats claimed and record the events: one INSERT of the referrals, one UPDATE of the seats
    and one INSERT of the events, however many claims. `window` is given by a claim window's
    allocation (placement/window/allocation.py), which judged each child's turn at the close:
    {"key": the window, "ranks": application id → rank at the close}. `audit`, when given, makes the
    audit entry (unsaved) from the referrals; it is written with them."""
    referrals: list[Referral] = []
    facts: list[tuple[Seat, object, Stage, int | None]] = []
    valid_until: dict[int, dt.datetime] = {}
    unnumbered: list[Referral] = []
    for pairs, by in claims:
        batch = uuid.uuid4() if len(pairs) > 1 else None
        for seat, application in pairs:
            # The checks below judge the seat as the lock found it, not as it was read before.
            current = locked[seat.pk]
            seat.state, seat.published_at = current.state, current.published_at
            seat.priority_from, seat.general_from = current.priority_from, current.general_from
            seat.priority_window_until = current.priority_window_until
            seat.general_window_until = current.general_window_until
            # The window's own allocation gives its seats; every other claim waits for it (R-W-2).
            stage = seat_open_check(seat, at) if window is None else seat_stage_check(seat, at)
            position = None
            if window is not None:
                position = window["ranks"][application.pk]
            elif stage == Stage.PRIORITY:
                if connection.vendor == "postgresql" and Market.of(application) not in serialised:
                    # Read in general access a moment ago and in priority access now (the seat was taken,
                    # returned and published again meanwhile): its market is not locked, so try again.
                    raise _busy()
                position = turn_check(priority_turn(application=application, at=at))
            city = application.city
            if city.pk not in valid_until:
                valid_until[city.pk] = _valid_until(at, city)
            next_id = getattr(current, "next_referral_id", None)
            referrals.append(
                Referral(
                    pk=next_id,
                    number=_referral_number(city, at, next_id) if next_id else uuid.uuid4().hex[:24],
                    seat=seat,
                    application=application,
                    child=application.child,
                    batch=batch,
                    issued_at=at,
                    issued_to_id=getattr(by, "pk", None),  # a User, or the allocation's Claimant
                    valid_until=valid_until[city.pk],
                )
            )
            facts.append((seat, by, stage, position))
            if not next_id:
                unnumbered.append(referrals[-1])
    if not referrals:
        return referrals
    if unnumbered:
        insert_many(Referral, referrals)
    for referral in unnumbered:
        # No sequence read with the lock (SQLite): the number follows the id the insert gave.
        referral.number = _referral_number(referral.application.city, at, referral.pk)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE placement_referral SET number = %s WHERE id = %s", [referral.number, referral.pk])
    claims_of_seats = [
        SeatClaim(
            seat=seat,
            by=by,
            data={
                **referral_public_facts(referral),
                "stage": stage.value,
                "published_at": seat.published_at.isoformat(),
                "position": position,
                **({"window": window["key"]} if window is not None else {}),
            },
        )
        for referral, (seat, by, stage, position) in zip(referrals, facts, strict=True)
    ]
    entry = audit(referrals) if audit is not None else None
    if unnumbered:
        seats_mark_claimed(claims=claims_of_seats, at=at)
        if entry is not None:
            entry.save(force_insert=True)
        return referrals
    # PostgreSQL: the referrals (numbered from the ids read with the seats' lock), the seats, their
    # events and the audit entry in one statement: one round trip under the locks instead of four.
    _events, seat_statements = seats_claimed_statements(claims=claims_of_seats, at=at)
    statements = [insert_statement(Referral, referrals), *seat_statements]
    if entry is not None:
        statements.append(insert_statement(AuditLog, [entry]))
    statements_together(statements)
    for referral in referrals:
        referral._state.adding, referral._state.db = False, connection.alias
    return referrals
