"""The public record of a claim window (R-W-5) and its recomputation from that record alone.

The record is what the next protocol publishes (kind "window_allocation", inside the hash chain): the
window, the seats of each group at the close, the turn limit of priority access, and every bid masked
(application references, rank at the close, whether the child could take a seat then, the groups
listed in order) with the group it got. docs/allocation.md tells an outsider how to check it by hand;
`recompute` is that check in code, written from the record's fields only, and `record_differences`
names what disagrees.
"""

import hashlib
import json

from vacancies.protocol import WINDOW_ALLOCATION

FORMAT = "indigo-window/1"
NOTICE_KIND = WINDOW_ALLOCATION


def recompute(record: dict) -> dict[tuple[str, ...], int | None]:
    """Serial dictatorship on the published data: families by rank (ties by their first reference),
    each given the first listed group with enough seats left; the family → group it must have got."""
    seats = {group["id"]: group["seats"] for group in record["groups"]}
    result: dict[tuple[str, ...], int | None] = {}
    limit = record.get("turn_limit")
    bids = sorted(record["bids"], key=lambda bid: (bid["rank"] is None, bid["rank"] or 0, bid["applications"]))
    for bid in bids:
        family = tuple(bid["applications"])
        result[family] = None
        in_turn = bid["rank"] is not None and (limit is None or bid["rank"] <= limit)
        if not (bid["eligible"] and in_turn):
            continue
        for group_id in bid["groups"]:
            if seats.get(group_id, 0) >= len(family):
                seats[group_id] -= len(family)
                result[family] = group_id
                break
    return result


def last_ranks(record: dict) -> dict[int, int | None]:
    """Per group, the rank of the family that took its last seat; None while seats were left over."""
    seats = {group["id"]: group["seats"] for group in record["groups"]}
    taken: dict[int, int] = {}
    last: dict[int, int] = {}
    for bid in sorted(record["bids"], key=lambda bid: (bid["rank"] is None, bid["rank"] or 0)):
        group_id = bid["result"]
        if group_id is not None:
            taken[group_id] = taken.get(group_id, 0) + len(bid["applications"])
            last[group_id] = bid["rank"]
    return {
        group_id: (last.get(group_id) if taken.get(group_id, 0) >= count else None) for group_id, count in seats.items()
    }


def record_differences(record: dict) -> list[str]:
    """Every family whose published result is not the one the published bids give; empty when it agrees."""
    expected = recompute(record)
    problems = []
    for bid in record["bids"]:
        family = tuple(bid["applications"])
        if expected.get(family) != bid["result"]:
            problems.append(
                f"window {record['window']}: {', '.join(family)} got group {bid['result']}, "
                f"the bids give {expected.get(family)}"
            )
    given = {}
    for bid in record["bids"]:
        if bid["result"] is not None:
            given[bid["result"]] = given.get(bid["result"], 0) + len(bid["applications"])
    for group in record["groups"]:
        if given.get(group["id"], 0) > group["seats"]:
            problems.append(f"window {record['window']}: group {group['id']} gave more seats than it had")
    return problems


def _canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def downloads_differences(documents: list[dict]) -> tuple[list[str], int]:
    """Check the windows in protocol downloads (the JSON of docs/protocol.md): each window entry's hash
    against its content, then its result against the recomputation. (problems, windows checked)."""
    problems, windows = [], 0
    for document in documents:
        day = document["header"]["day"]
        for entry in document["entries"]:
            if entry["kind"] != NOTICE_KIND:
                continue
            windows += 1
            canonical = {key: entry[key] for key in ("position", "at", "kind", "seat", "payload")}
            if hashlib.sha256(_canonical(canonical)).hexdigest() != entry["sha256"]:
                problems.append(f"protocol {day}: entry #{entry['position']} does not match its hash")
            problems.extend(f"protocol {day}: {problem}" for problem in record_differences(entry["payload"]))
    return problems, windows
