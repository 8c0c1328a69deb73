"""Reads for the family: the child's open windows and lists, and what past windows decided (R-W-5)."""

import dataclasses
import datetime as dt

from placement.models import Application
from placement.queue import Market
from placement.window.bids import WindowOffer, bids_of, windows_open
from placement.window.models import WindowAllocation
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
