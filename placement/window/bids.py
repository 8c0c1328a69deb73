"""Bids in a claim window (R-W-3): an ordered list of up to K groups per child, twins together.

A bid is a plain row write: no seat is locked and no queue is ranked for it except, in priority
access, the child's own turn (R-S-6). It is stamped under the city's writer lock (vacancies/locking.py),
so the allocation, which drains the writers once the close has passed, sees every bid stamped before
the close and none after it.
"""

import dataclasses
import datetime as dt
import uuid
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from indigo import clock
from indigo.errors import Conflict, ServiceError
from placement.guards import representative_check
from placement.models import Application
from placement.queue import Market
from placement.services.claims import twins_check
from placement.window.eligibility import application_check, turn_check
from placement.window.models import Bid, ClaimWindow
from vacancies.locking import protocol_write_begin
from vacancies.models import Group, Seat
from vacancies.selectors import seats_open_in_market


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
    seats = seats_open_in_market(
        city_id=market.city_id, cohort=market.cohort, language=market.language, group_type=market.group_type, at=at
    ).filter(
        Q(priority_window_until__gt=at, general_from__gt=at) | Q(general_window_until__gt=at, general_from__lte=at)
    )
    if group_ids is not None:
        seats = seats.filter(group_id__in=group_ids)
    rows = seats.values(
        "group_id", "priority_from", "priority_window_until", "general_from", "general_window_until"
    ).annotate(seats=Count("id"))
    counts: Counter = Counter()
    for row in rows:
        seat = Seat(state=Seat.State.OPEN, **{key: row[key] for key in _TIMES})
        window = seat.window_at(at)
        if window is not None:
            counts[(window, row["group_id"])] += row["seats"]
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


_TIMES = ("priority_from", "priority_window_until", "general_from", "general_window_until")


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


def _window_row(offer: WindowOffer) -> ClaimWindow:
    fields = offer.row_fields
    try:
        with transaction.atomic():
            return ClaimWindow.objects.get_or_create(**fields)[0]
    except IntegrityError:
        # Another parent's first bid made it meanwhile.
        return ClaimWindow.objects.get(**fields)


def _closed(offer_closes: dt.datetime) -> Conflict:
    return Conflict(
        "window_closed",
        _("The claim window closed at %(time)s: lists can no longer be changed. The queue has decided."),
        time=formats.time_format(offer_closes.astimezone(clock.ASTANA), "H:i"),
    )


def _not_in_window() -> Conflict:
    return Conflict("group_not_in_window", _("This group has no seats in this claim window."))


def _clean_groups(groups: list[int], offer: WindowOffer, *, children: int, limit: int) -> list[int]:
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


def bid_place(*, applications: list[Application], groups: list[int], by, window: str | None = None, request=None):
    """Place or replace the list of one child (or twins together) in an open window; the bids written.

    Refused: groups without seats in the window, a child who may not claim under R-S-6 (in priority
    access: whose turn has not come), and anything at or after the close."""
    representative_check(by, [application.child_id for application in applications])
    if len(applications) > 2 or len({a.pk for a in applications}) != len(applications):
        raise ServiceError("claim_shape", _("List groups for one child, or for twins together."))
    markets = {Market.of(application) for application in applications}
    if len(markets) != 1:
        raise Conflict("twins_apart", _("Twins claim seats in one group together, or not at all."))
    if len(applications) == 2:
        twins_check(applications)
    [market] = markets
    city = applications[0].city
    now = clock.now()
    offer = window_offer(market=market, key=window, at=now, group_ids=list(groups))
    groups = _clean_groups(groups, offer, children=len(applications), limit=city.window_max_groups)
    for application in applications:
        application_check(application, now)
        if offer.stage == ClaimWindow.Stage.PRIORITY:
            turn_check(application, now)
    row = _window_row(offer)
    with transaction.atomic():
        # The moment that decides "before the close" is read under the writer lock (see the docstring).
        at = protocol_write_begin(city.pk)
        if at >= row.closes_at:
            raise _closed(row.closes_at)
        ids = [application.pk for application in applications]
        old = Bid.objects.filter(window=row, application_id__in=ids).values_list("batch", flat=True)
        # A twin listed before with the other child, and now alone (or the other way round): its old row goes.
        Bid.objects.filter(window=row, batch__in=list(old)).exclude(application_id__in=ids).delete()
        batch = uuid.uuid4()
        bids = Bid.objects.bulk_create(
            [
                Bid(window=row, application=a, batch=batch, groups=groups, placed_by=by, created_at=at, updated_at=at)
                for a in applications
            ],
            update_conflicts=True,
            unique_fields=["window", "application"],
            update_fields=["batch", "groups", "placed_by", "updated_at"],
        )
        audit_record(
            actor=by,
            action="bid.place",
            obj=applications[0],
            city=city,
            request=request,
            data={"window": row.key, "applications": ids, "groups": groups},
        )
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
