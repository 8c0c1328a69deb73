"""Bids in a claim window (R-W-3): an ordered list of up to K groups per child, twins together.

A bid is a plain row write: no seat is locked and no queue is ranked for it except, in priority
access, the child's own turn (R-S-6). A bid counts when it arrives before the close; the window's
lock, shared by the bids and taken alone by the allocation (allocation.py), makes the allocation see
every bid written before it and refuse every bid that comes after it.
"""

import dataclasses
import datetime as dt
import uuid

from django.db import connection, transaction
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_entry, audit_record
from accounts.models import AuditLog
from indigo import clock
from indigo.errors import Conflict, ServiceError
from indigo.locking import busy_on_lock_timeout, lock_timeout_ms
from placement.guards import representative_check
from placement.models import Application
from placement.queue import Market
from placement.queue.eligibility import claimant_check
from placement.services.claim_reads import claim_applications
from placement.services.claims import twins_check
from placement.window.bid_write import bid_rows_write
from placement.window.eligibility import application_check, turn_check
from placement.window.models import WINDOW_LOCK, Bid, ClaimWindow, WindowAllocation
from placement.window.snapshot import OpenWindow, open_windows, window_seat_counts
from vacancies.locking import protocol_write_begin
from vacancies.models import Group


@dataclasses.dataclass
class WindowOffer:
    """An open window of one market as a parent sees it: its groups with their window seats."""

    stage: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    groups: list[tuple[Group, int]]

    @property
    def key(self) -> str:
        return ClaimWindow(**self.row_fields).key

    @property
    def row_fields(self) -> dict:
        """The fields of its ClaimWindow row (one per market, stage and moment)."""
        return {"stage": self.stage, "opens_at": self.opens_at, "closes_at": self.closes_at, **self._market}

    _market: dict = dataclasses.field(default_factory=dict, repr=False)

    def seats_of(self, group_id: int) -> int:
        return next((seats for group, seats in self.groups if group.pk == group_id), 0)


def windows_open(*, market: Market, at: dt.datetime, group_ids: list[int] | None = None) -> list[WindowOffer]:
    """The market's claim windows open at `at`, with each group's seats in it, soonest close first.

    One grouped count, whatever the number of seats; a bid asks only about the groups it lists."""
    counts = window_seat_counts(market=market, at=at, group_ids=group_ids)
    groups = (
        Group.objects.select_related("kindergarten__district").in_bulk({group_id for _w, group_id in counts})
        if group_ids is None
        else {group_id: Group(pk=group_id) for _w, group_id in counts}
    )
    offers: dict[tuple, WindowOffer] = {}
    market_fields = {
        "cohort": market.cohort,
        "language": market.language,
        "group_type": market.group_type,
        "city_id": market.city_id,
    }
    for (window, group_id), number in counts.items():
        offer = offers.get(window)
        if offer is None:
            offer = offers[window] = WindowOffer(*window, groups=[], _market=market_fields)
        offer.groups.append((groups[group_id], number))
    for offer in offers.values():
        offer.groups.sort(
            key=lambda pair: (pair[0].kindergarten.number or 0, pair[0].name) if group_ids is None else pair[0].pk
        )
    return sorted(offers.values(), key=lambda offer: (offer.closes_at, offer.stage != "priority", offer.opens_at))


def window_offer(
    *, market: Market, key: str | None, at: dt.datetime, group_ids: list[int] | None = None
) -> WindowOffer:
    """The open window named by `key` (or the only one open); a clear refusal otherwise."""
    offers = windows_open(market=market, at=at, group_ids=group_ids)
    if key:
        offers = [offer for offer in offers if offer.key == key]
    if not offers and group_ids is not None and windows_open(market=market, at=at):
        raise _not_in_window()
    if not offers:
        raise Conflict(
            "window_closed",
            _("No claim window is open for this child now: it has closed and the queue has decided."),
        )
    if len(offers) > 1:
        raise ServiceError("window_required", _("Several claim windows are open: say which one the list is for."))
    return offers[0]


def _closed(offer_closes: dt.datetime) -> Conflict:
    return Conflict(
        "window_closed",
        _("The claim window closed at %(time)s: lists can no longer be changed. The queue has decided."),
        time=formats.time_format(offer_closes.astimezone(clock.ASTANA), "H:i"),
    )


def _not_in_window() -> Conflict:
    return Conflict("group_not_in_window", _("This group has no seats in this claim window."))


def _clean_groups(groups: list[int], offer: WindowOffer | OpenWindow, *, children: int, limit: int) -> list[int]:
    if not groups:
        raise ServiceError("bid_empty", _("List at least one group, or withdraw the list."))
    if len(groups) > limit:
        raise ServiceError("bid_too_long", _("List at most %(limit)s groups."), limit=limit)
    if len(set(groups)) != len(groups):
        raise ServiceError("bid_repeats", _("Each group can be listed only once."))
    for group_id in groups:
        seats = offer.seats_of(group_id)
        if seats == 0:
            raise _not_in_window()
        if seats < children:
            raise Conflict("twins_need_two", _("Twins need two seats in one group: this group has one."))
    return list(groups)


def _chosen_window(*, market: Market, key: str | None, at: dt.datetime, groups: list[int]) -> OpenWindow:
    """The open window the list is for: the one named by `key`, or the only one with a listed group."""
    windows = open_windows(market=market, at=at)
    if key:
        windows = [window for window in windows if window.key == key]
    listing = [window for window in windows if any(window.seats_of(group_id) for group_id in groups)]
    if not listing and windows:
        raise _not_in_window()
    if not listing:
        raise Conflict(
            "window_closed",
            _("No claim window is open for this child now: it has closed and the queue has decided."),
        )
    if len(listing) > 1:
        raise ServiceError("window_required", _("Several claim windows are open: say which one the list is for."))
    return listing[0]


def bid_place(
    *, applications: list[Application], groups: list[int], by, window: str | None = None, request=None
) -> list[Bid]:
    """Place or replace the list of one child (or twins together) in an open window; the bids written.

    Refused: groups without seats in the window, a child who may not claim under R-S-6 (in priority
    access: whose turn has not come), and anything at or after the close. The applications best come
    from claim_applications (with whether `by` represents the child and whether it holds a referral);
    other ones are read so, in one statement. The window and its groups come from the window's snapshot
    (snapshot.py), so the write is the bid's only work: one round trip with its audit entry."""
    if len(applications) > 2 or len({a.pk for a in applications}) != len(applications):
        raise ServiceError("claim_shape", _("List groups for one child, or for twins together."))
    if not all(hasattr(application, "claimant_verified") for application in applications):
        fresh = {application.pk: application for application in claim_applications([a.pk for a in applications], by)}
        if len(fresh) != len(applications):
            raise Conflict("application_closed", _("This application is no longer in the queue."))
        applications = [fresh[application.pk] for application in applications]
    claimant_check(by, verified=all(application.claimant_verified for application in applications))
    markets = {Market.of(application) for application in applications}
    if len(markets) != 1:
        raise Conflict("twins_apart", _("Twins claim seats in one group together, or not at all."))
    if len(applications) == 2:
        twins_check(applications)
    [market] = markets
    city = applications[0].city
    now = clock.now()
    offer = _chosen_window(market=market, key=window, at=now, groups=list(groups))
    groups = _clean_groups(groups, offer, children=len(applications), limit=city.window_max_groups)
    for application in applications:
        application_check(application, now)
        if offer.stage == ClaimWindow.Stage.PRIORITY:
            turn_check(application, now, window=offer)
    row = ClaimWindow(
        pk=offer.window_id,
        city_id=market.city_id,
        cohort=market.cohort,
        language=market.language,
        group_type=market.group_type,
        stage=offer.stage,
        opens_at=offer.opens_at,
        closes_at=offer.closes_at,
    )
    # The window was chosen open at `now`: the bid arrived before the close. What makes it count is
    # _bids_write: written before the allocation locks the window, it is seen by it; after, refused.
    at = now
    audit = audit_entry(
        actor=by,
        action="bid.place",
        obj=applications[0],
        city=city,
        request=request,
        data={"window": row.key, "applications": [a.pk for a in applications], "groups": groups},
        at=at,
    )
    bids = _bids_write(row, applications, groups, by=by, at=at, audit=audit)
    if not bids:
        raise _closed(row.closes_at)
    return bids


def _bids_write(
    row: ClaimWindow, applications: list[Application], groups: list[int], *, by, at, audit: AuditLog
) -> list[Bid]:
    """Replace the child's (twins': both) rows in the window with one new batch, with its audit entry;
    the bids written, or none when the window's allocation has run. A twin listed before with the other
    child, and now alone (or the other way round), loses its old row.

    The window's lock, taken in share mode, decides which side of the allocation a bid falls on: the
    allocation takes it exclusively (allocation.py), so a bid that has it is seen by the allocation, and
    a bid that waited for it finds the allocation done and writes nothing. An advisory lock, not the
    window's row: twenty thousand bids sharing one row would each write to it."""
    ids = [application.pk for application in applications]
    batch = uuid.uuid4()
    bids = [
        Bid(window=row, application=a, batch=batch, groups=groups, placed_by=by, created_at=at, updated_at=at)
        for a in applications
    ]
    if connection.vendor != "postgresql":
        with transaction.atomic():
            if WindowAllocation.objects.filter(window_id=row.pk).exists():
                return []
            Bid.objects.filter(
                window_id=row.pk, batch__in=Bid.objects.filter(window_id=row.pk, application_id__in=ids).values("batch")
            ).exclude(application_id__in=ids).delete()
            written = Bid.objects.bulk_create(
                bids,
                update_conflicts=True,
                unique_fields=["window", "application"],
                update_fields=["batch", "groups", "placed_by", "updated_at"],
            )
            audit.save(force_insert=True)
            return written
    # One statement and, outside a transaction, one transaction: the window's lock, the stale twin
    # rows, the upsert and the audit entry, in a function that keeps its plans (bid_write.py). The
    # opening minute's hot path (docs/performance.md).
    # A bid waits for the window's lock only while the allocation runs: past the lock timeout the parent
    # is told "busy, try again" (503), and the next try finds the window closed.
    with busy_on_lock_timeout():
        written = bid_rows_write(
            window_id=row.pk,
            lock=WINDOW_LOCK,
            lock_timeout_ms=int(lock_timeout_ms()),
            ids=ids,
            batch=batch,
            groups=groups,
            by_id=by.pk,
            at=at,
            audit=audit,
        )
    if not written:
        return []
    for bid in bids:
        bid.pk = written[bid.application_id]
    return bids


def bid_withdraw(*, application: Application, by, window: str | None = None, request=None) -> int:
    """Withdraw the child's list (and its twin's) from an open window; how many rows went."""
    representative_check(by, [application.child_id])
    offer = window_offer(market=Market.of(application), key=window, at=clock.now())
    row = ClaimWindow.objects.filter(**offer.row_fields).first()
    if row is None:
        return 0
    with transaction.atomic():
        at = protocol_write_begin(application.city_id)
        if at >= row.closes_at:
            raise _closed(row.closes_at)
        batches = Bid.objects.filter(window=row, application=application).values_list("batch", flat=True)
        deleted, _rows = Bid.objects.filter(window=row, batch__in=list(batches)).delete()
        if deleted:
            audit_record(
                actor=by,
                action="bid.withdraw",
                obj=application,
                city=application.city,
                request=request,
                data={"window": row.key},
            )
    return deleted


def bids_of(*, application: Application, windows: list[WindowOffer]) -> dict[str, Bid]:
    """The child's current bid in each of these windows, by window key."""
    rows = Bid.objects.filter(application=application).select_related("window")
    keys = {offer.key for offer in windows}
    return {bid.window.key: bid for bid in rows if bid.window.key in keys}
