"""Reads for the family: the child's open windows and lists, and what past windows decided (R-W-5)."""

import dataclasses
import datetime as dt

from indigo.errors import ServiceError
from placement.models import Application
from placement.queue import Market
from placement.scoping import children_of
from placement.services.claims import twins_check
from placement.window.bids import WindowOffer, bids_of, windows_open
from placement.window.models import Bid, WindowAllocation
from vacancies.models import Group

RESULTS_SHOWN_DAYS = 14


@dataclasses.dataclass
class MissedGroup:
    group: Group | None
    name: str
    # The rank of the family that took the group's last seat; None when a seat was left.
    last_rank: int | None


@dataclasses.dataclass
class WindowResult:
    allocation: WindowAllocation
    rank: int | None
    eligible: bool
    in_turn: bool
    got: str | None
    missed: list[MissedGroup]


def open_windows_of(*, application: Application, at: dt.datetime) -> list[tuple[WindowOffer, list[int] | None]]:
    """The open windows of the child's market with the child's current list in each (None: no list)."""
    offers = windows_open(market=Market.of(application), at=at)
    bids = bids_of(application=application, windows=offers)
    return [(offer, bids[offer.key].groups if offer.key in bids else None) for offer in offers]


def twin_of(user, application: Application) -> Application | None:
    """The active application of this child's twin in the same market, when the user acts for both: the
    one child whose list may go together with this one (R-S-7)."""
    market = Market.of(application)
    others = Application.objects.filter(
        child__in=children_of(user).exclude(pk=application.child_id), state=Application.State.ACTIVE
    ).select_related("child", "city")
    for other in others:
        if Market.of(other) != market:
            continue
        try:
            twins_check([application, other])
        except ServiceError:
            continue
        return other
    return None


def listed_together(application: Application, twin: Application, offer: WindowOffer) -> bool:
    """Whether the two children's lists in this window are one list (their rows share a batch)."""
    batches = set(
        Bid.objects.filter(
            application__in=[application, twin],
            window__city_id=application.city_id,
            window__stage=offer.stage,
            window__opens_at=offer.opens_at,
            window__closes_at=offer.closes_at,
        ).values_list("application_id", "batch")
    )
    return len(batches) == 2 and len({batch for _, batch in batches}) == 1


def window_results(*, application: Application, at: dt.datetime) -> list[WindowResult]:
    """R-W-5: for each recent window the child bid in, what it got, and for each listed group it did
    not get, the rank that took its last seat; read from the published record, as anyone can."""
    allocations = WindowAllocation.objects.filter(
        window__bids__application=application, ran_at__gte=at - dt.timedelta(days=RESULTS_SHOWN_DAYS)
    ).order_by("-ran_at")
    results = []
    for allocation in allocations:
        record = allocation.record
        mine = next((b for b in record["bids"] if application.reference in b["applications"]), None)
        if mine is None:
            continue
        names = {g["id"]: f"{g['kindergarten'].get('name_ru', '')} — {g['group']}" for g in record["groups"]}
        groups = Group.objects.select_related("kindergarten").in_bulk([g["id"] for g in record["groups"]])
        for group_id, group in groups.items():
            names[group_id] = f"{group.kindergarten.name} — {group.name}"
        listed = mine["groups"]
        before = listed[: listed.index(mine["result"])] if mine["result"] in listed else listed
        limit = record.get("turn_limit")
        results.append(
            WindowResult(
                allocation=allocation,
                rank=mine["rank"],
                eligible=mine["eligible"],
                in_turn=mine["rank"] is not None and (limit is None or mine["rank"] <= limit),
                got=names.get(mine["result"]) if mine["result"] is not None else None,
                missed=[
                    MissedGroup(
                        group=groups.get(group_id),
                        name=names.get(group_id, str(group_id)),
                        last_rank=record.get("last_rank", {}).get(str(group_id)),
                    )
                    for group_id in before
                ],
            )
        )
    return results
