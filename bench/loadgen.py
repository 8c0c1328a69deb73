"""The load generator: a small asyncio HTTP/1.1 client, run in its own process beside the server.

The client and its tally are in bench/loadclient.py (asyncio streams: cheap on a 2-core machine
shared with the server). Every loop here is bounded in count and in time.

Four workloads, each reading a JSON plan and writing a JSON result:
- claims: parents claim seats (a parent whose seat is taken picks another, bounded retries);
- bids: parents put their list of groups in a claim window, each once (R-W-3, bench/window.py);
- fixed: the same URL again and again at a fixed concurrency (the trivial endpoint's rate);
- open: requests at a fixed arrival rate whatever the answers (overload), for a fixed time.
"""

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter

from bench.loadclient import HOST, Answer, Tally, forwarded, http, parent_headers

# The server's TURN_SNAPSHOT_MS default: how old a "not your turn" may be.
SNAPSHOT_SECONDS = 1.0


async def claims(plan: dict) -> dict:
    """Every parent claims a seat; `concurrency` requests are in flight at once, the rest wait their go.

    A parent's first try is a seat from the registry as it stood at opening (all seats free); after a
    refusal they look again: a shared view of the taken seats, refreshed once a second as a registry
    page would be, plus what they learnt themselves. In priority access a parent told "not your turn"
    stops; when the rush is over, the refused parents (and any who ran out of tries) nearest the front
    try again, in queue order, pass after pass while seats are left (a thousand tries at most). Placing a
    privileged child moves the 1:3 interleave, so during the rush a few general children at the line
    drop out of turn and as many privileged children from behind it come in; the sweep is those
    coming back to look.
    """
    port, concurrency = plan["port"], plan["concurrency"]
    retries, deadline = plan.get("retries", 12), time.monotonic() + plan.get("max_seconds", 600)
    rng = random.Random(plan.get("seed", 1))
    seats: list[int] = plan["seats"]
    taken_now: set[int] = set()
    view: set[int] = set()
    tally = Tally()
    acknowledged: list[dict] = []
    parents = list(plan["parents"])
    rng.shuffle(parents)
    queue: asyncio.Queue = asyncio.Queue()
    for parent in parents:
        queue.put_nowait(parent)
    outcome = Counter()
    # Whom the sweep after the rush asks again: refused "not your turn", or out of tries on taken seats.
    not_turn: list[dict] = []

    async def refresh_view() -> None:
        while True:
            await asyncio.sleep(1.0)
            view.clear()
            view.update(taken_now)

    async def parent_claims(parent: dict, *, sweep: bool = False) -> None:
        mine: set[int] = set()
        headers = parent_headers(plan, parent)
        for attempt in range(retries):
            if time.monotonic() > deadline:
                outcome["gave_up_time"] += 1
                return
            if attempt == 0 and not sweep:
                free = seats
            else:
                free = [seat for seat in seats if seat not in view and seat not in mine]
            if not free:
                outcome["no_seat_left"] += 1
                return
            seat = rng.choice(free)
            body = json.dumps({"seats": [seat], "applications": [parent["application"]]}).encode()
            answer = await http(port, "POST", "/api/v1/claims/", headers=headers, body=body, timeout=plan["timeout"])
            tally.add(answer)
            if answer.status == 201:
                taken_now.add(seat)
                view.add(seat)
                referral = json.loads(answer.body)[0]
                acknowledged.append({"seat": seat, "application": parent["application"], "number": referral["number"]})
                outcome["placed" if not sweep else "placed_in_sweep"] += 1
                return
            if answer.status == 409 and answer.code == "seat_taken":
                taken_now.add(seat)
                mine.add(seat)
                continue
            if answer.status in (429, 503) or answer.code == "busy":
                await asyncio.sleep(0.2 + rng.random() * 0.3)
                continue
            if answer.code == "not_your_turn" and not sweep:
                not_turn.append(parent)
            outcome[f"{'refused again in sweep' if sweep else 'stopped'} {answer.status} {answer.code}"] += 1
            return
        outcome["gave_up_retries"] += 1
        if not sweep:
            not_turn.append(parent)

    async def worker() -> None:
        while not queue.empty():
            await parent_claims(queue.get_nowait())

    refresher = asyncio.create_task(refresh_view())
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    swept = 0
    waiting = sorted(not_turn, key=lambda p: p.get("rank") or 10**9)
    window = 4 * (len(seats) - len(taken_now)) + 20
    while waiting:
        # A pass over the refused parents nearest the front, again while it places someone: each
        # privileged child placed moves the interleave, and may bring back one refused a pass earlier.
        # A pass that places nobody looks four times further back, after a second: "not your turn"
        # may come from a ranking up to a second old (placement/queue/turns.py), and a privileged child far
        # behind may be the one the interleave brought in.
        placed_before, stop = len(acknowledged), False
        for parent in waiting[:window]:
            if len(seats) == len(taken_now) or swept >= plan.get("sweep_limit", 1000) or time.monotonic() > deadline:
                stop = True
                break
            view.clear()
            view.update(taken_now)
            swept += 1
            before = len(acknowledged)
            await parent_claims(parent, sweep=True)
            if len(acknowledged) > before:
                waiting.remove(parent)
        if stop:
            break
        if len(acknowledged) == placed_before:
            if window >= len(waiting):
                break
            window *= 4
            await asyncio.sleep(SNAPSHOT_SECONDS + 0.2)
    elapsed = time.perf_counter() - started
    refresher.cancel()
    return {
        **tally.as_dict(),
        "wall_seconds": elapsed,
        "acknowledged": acknowledged,
        "outcome": dict(outcome),
        "swept": swept,
    }


async def claim_once(plan: dict, parent: dict, seat: int, acknowledged: list[dict]) -> Answer:
    headers = parent_headers(plan, parent)
    body = json.dumps({"seats": [seat], "applications": [parent["application"]]}).encode()
    answer = await http(plan["port"], "POST", "/api/v1/claims/", headers=headers, body=body, timeout=plan["timeout"])
    if answer.status == 201:
        referral = json.loads(answer.body)[0]
        acknowledged.append({"seat": seat, "application": parent["application"], "number": referral["number"]})
    return answer


async def timed(plan: dict) -> dict:
    """Claims by random parents on random seats at a fixed concurrency for `seconds` (a steady load)."""
    rng = random.Random(plan.get("seed", 5))
    tally = Tally()
    acknowledged: list[dict] = []
    deadline = time.monotonic() + plan["seconds"]

    async def worker() -> None:
        while time.monotonic() < deadline:
            parent = rng.choice(plan["parents"])
            tally.add(await claim_once(plan, parent, rng.choice(plan["seats"]), acknowledged))

    await asyncio.gather(*(worker() for _ in range(plan["concurrency"])))
    return {**tally.as_dict(), "acknowledged": acknowledged}


async def fixed(plan: dict) -> dict:
    """GET one path at a fixed concurrency for a number of requests (or seconds), for a rate."""
    port, path = plan["port"], plan["path"]
    total, deadline = plan["requests"], time.monotonic() + plan.get("max_seconds", 120)
    tally = Tally()
    sent = 0

    async def worker() -> None:
        nonlocal sent
        while sent < total and time.monotonic() < deadline:
            sent += 1
            # Through the front, each request from another client: the floors measure the portal, not nginx's limits.
            headers = forwarded(plan, plan.get("headers") or {}, sent)
            tally.add(await http(port, "GET", path, headers=headers, timeout=plan["timeout"]))

    await asyncio.gather(*(worker() for _ in range(plan["concurrency"])))
    return tally.as_dict()


async def open_loop(plan: dict) -> dict:
    """Claims arrive at `rate` per second for `seconds`, answered or not (at most `max_open` pending)."""
    rate, seconds = plan["rate"], plan["seconds"]
    rng = random.Random(plan.get("seed", 3))
    parents = plan["parents"]
    seats = plan["seats"]
    tally = Tally()
    acknowledged: list[dict] = []
    pending: set[asyncio.Task] = set()
    shed = 0
    per_second: dict[int, Counter] = {}

    async def one(index: int, sent_at: float) -> None:
        parent = parents[index % len(parents)]
        answer = await claim_once(plan, parent, rng.choice(seats), acknowledged)
        tally.add(answer)
        second = int(sent_at - started)
        per_second.setdefault(second, Counter())[answer.status] += 1

    started = time.perf_counter()
    count = int(rate * seconds)
    for index in range(count):
        target = started + index / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(pending) >= plan.get("max_open", 20000):
            shed += 1  # the client's own limit, so a stuck server cannot exhaust its memory
            continue
        task = asyncio.create_task(one(index, time.perf_counter()))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending, timeout=plan["timeout"] + 5)
    return {
        **tally.as_dict(),
        "offered": count,
        "client_shed": shed,
        "acknowledged": acknowledged,
        "per_second": {str(k): {str(s): n for s, n in v.items()} for k, v in sorted(per_second.items())},
        "send_seconds": time.perf_counter() - started,
    }


async def bids(plan: dict) -> dict:
    """Every parent puts its list once, in a random order, `concurrency` requests in flight; a 429 or
    503 is tried again after a pause (bounded), as a parent's phone would."""
    rng = random.Random(plan.get("seed", 1))
    parents = list(plan["parents"])
    rng.shuffle(parents)
    tally = Tally()
    placed: list[int] = []
    queue: asyncio.Queue = asyncio.Queue()
    for parent in parents:
        queue.put_nowait(parent)
    deadline = time.monotonic() + plan.get("max_seconds", 600)

    async def bid(parent: dict) -> None:
        headers = parent_headers(plan, parent)
        body = json.dumps({"groups": parent["groups"]}).encode()
        path = f"/api/v1/applications/{parent['application']}/bid/"
        for _ in range(plan.get("retries", 5)):
            answer = await http(plan["port"], "PUT", path, headers=headers, body=body, timeout=plan["timeout"])
            tally.add(answer)
            if answer.status == 200:
                placed.append(parent["application"])
                return
            if answer.status not in (429, 503) or time.monotonic() > deadline:
                return
            await asyncio.sleep(0.2 + rng.random() * 0.3)

    async def worker() -> None:
        # Past max_seconds no parent starts: the figures are those of the bids sent, the rest counted.
        while not queue.empty() and time.monotonic() < deadline:
            await bid(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(plan["concurrency"])))
    elapsed = time.perf_counter() - started
    return {**tally.as_dict(), "wall_seconds": elapsed, "placed": placed, "not_sent": queue.qsize()}


WORKLOADS = {"bids": bids, "claims": claims, "fixed": fixed, "open": open_loop, "timed": timed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("plan", help="JSON file with the workload's plan")
    parser.add_argument("result", help="JSON file the result is written to")
    args = parser.parse_args(argv)
    with open(args.plan) as handle:
        plan = json.load(handle)
    if plan.get("host", HOST) != HOST:
        raise SystemExit("the load generator only sends traffic to 127.0.0.1")
    try:
        import uvloop  # optional: a faster event loop when requirements-bench.txt is installed

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(WORKLOADS[args.workload](plan))
    with open(args.result, "w") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
