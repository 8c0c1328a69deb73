"""The window's result as anyone can check it (R-W-5): the record fetched from the published protocol,
the allocation recomputed from it alone (serial dictatorship in the published ranks, written here
afresh, not the job's code), and its justified envy (placement/envy.py). Run inside a Django process."""

import dataclasses


def public_record(window, ran_at) -> dict:
    """The window's record as anyone downloads it (R-W-5): the next protocol is published at its cutoff
    and its JSON document fetched from the public API, where the record is one entry of the chain."""
    import datetime as dt

    import time_machine
    from django.test import Client

    from indigo import clock
    from placement.window.record import NOTICE_KIND
    from vacancies.protocol import protocols_catch_up

    city = window.city
    cutoff = clock.at_local(clock.local_date(ran_at), city.publication_time)
    if cutoff <= ran_at:
        cutoff = clock.at_local(clock.local_date(ran_at) + dt.timedelta(days=1), city.publication_time)
    with time_machine.travel(cutoff + dt.timedelta(minutes=1), tick=True):
        protocols = protocols_catch_up(city=city, until=cutoff)
    client = Client(HTTP_HOST="127.0.0.1")
    for protocol in reversed(protocols):
        document = client.get(f"/api/v1/protocols/{protocol.pk}/", HTTP_ACCEPT="application/json").json()
        for entry in document["entries"]:
            if entry["kind"] == NOTICE_KIND and entry["payload"].get("window") == window.key:
                return entry["payload"]
    raise SystemExit(f"window {window.key}: its record is in none of the {len(protocols)} protocols published")


# --- the independent recomputation ---------------------------------------------------------------------


def recompute(record: dict) -> dict[str, int | None]:
    """Serial dictatorship from the published record alone: family (its references joined) → group.

    Families by published rank; one that could not take a seat at the close (not eligible, no rank,
    beyond the priority turn) gets nothing; the others the first listed group with a seat left for each
    of their children (twins: two of one group, or none)."""
    left = {group["id"]: group["seats"] for group in record["groups"]}
    limit = record.get("turn_limit")
    given: dict[str, int | None] = {}
    ranked = sorted(record["bids"], key=lambda bid: (bid["rank"] is None, bid["rank"] or 0, bid["applications"]))
    for bid in ranked:
        family, need = ",".join(bid["applications"]), len(bid["applications"])
        given[family] = None
        if not bid["eligible"] or bid["rank"] is None or (limit is not None and bid["rank"] > limit):
            continue
        choice = next((group for group in bid["groups"] if left.get(group, 0) >= need), None)
        if choice is not None:
            left[choice] -= need
            given[family] = choice
    return given


def check_record(record: dict) -> dict:
    """The published result against the recomputation, and its justified envy (placement/envy.py)."""
    from placement.envy import record_envy

    published = {",".join(bid["applications"]): bid["result"] for bid in record["bids"]}
    mine = recompute(record)
    differences = sorted(
        family for family in mine.keys() | published.keys() if mine.get(family) != published.get(family)
    )
    placed = sum(len(bid["applications"]) for bid in record["bids"] if bid["result"] is not None)
    return {
        "bids": len(record["bids"]),
        "placed": placed,
        "differences": differences,
        "envy": dataclasses.asdict(record_envy(record)),
    }
