"""R-W-4, R-W-5: an independent recomputation agrees with the job; the protocol publishes the window
inside its hash chain, and verify_allocations recomputes it from the download and names a tampering."""

import datetime as dt
import io
import json
import random

import pytest
import time_machine
from django.core.management import CommandError, call_command

from indigo.clock import at_local
from placement.models import Referral
from placement.window.allocation import windows_allocate_due
from placement.window.bids import bid_place
from placement.window.record import NOTICE_KIND
from tests.window.conftest import AFTER_CLOSE, GENERAL_CLOSE, GENERAL_OPEN, IN_WINDOW, family
from vacancies.models import Protocol, ProtocolEntry
from vacancies.protocol import protocol_document, protocols_catch_up


def independent_allocation(bids: list[dict], seats: dict[int, int]) -> dict[int, int | None]:
    """A second, deliberately plain reading of R-W-4: walk the ranks from 1 upwards; a child gets the
    first group of its list in which fewer children ranked ahead of it were given a seat than it has."""
    given: dict[int, int | None] = {}
    for rank in range(1, max(b["rank"] for b in bids) + 1):
        for b in [b for b in bids if b["rank"] == rank]:
            given[b["id"]] = None
            for group in b["groups"]:
                taken_ahead = sum(1 for other, g in given.items() if g == group)
                if taken_ahead < seats[group]:
                    given[b["id"]] = group
                    break
    return given


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_independent_recomputation_agrees_with_the_job_R_W_4(city, publish, groups, seed):
    rng = random.Random(seed)
    counts = [rng.randint(1, 4) for _ in groups]
    publish(*counts)
    # General access: every child of the market may bid; nobody bid in priority.
    with time_machine.travel(AFTER_CLOSE, tick=False):
        windows_allocate_due()
    children = [family(city, n) for n in range(1, 16)]
    rng.shuffle(children)  # bidding order is random and must not matter
    listed = {}
    for user, application in children:
        if rng.random() < 0.8:
            choice = rng.sample(groups, rng.randint(1, 3))
            with time_machine.travel(GENERAL_OPEN + dt.timedelta(hours=rng.randint(0, 8)), tick=False):
                bid_place(applications=[application], groups=[g.pk for g in choice], by=user)
            listed[application.pk] = [g.pk for g in choice]
    with time_machine.travel(GENERAL_CLOSE + dt.timedelta(seconds=10), tick=False):
        [allocation] = windows_allocate_due()
    ranks = {b["applications"][0]: b["rank"] for b in allocation.record["bids"]}
    references = {application.pk: application.reference for _u, application in children}
    bids = [{"id": pk, "rank": ranks[references[pk]], "groups": groups_} for pk, groups_ in listed.items()]
    expected = independent_allocation(bids, {g.pk: c for g, c in zip(groups, counts, strict=True)})
    got = dict.fromkeys(listed) | {r.application_id: r.seat.group_id for r in Referral.objects.select_related("seat")}
    assert got == expected
    # Zero justified envy: nobody got a group that a better-ranked child listed above what it got.
    by_id = {b["id"]: b for b in bids}
    for a in bids:
        for b in bids:
            if a["rank"] < b["rank"] and got[b["id"]] is not None and got[b["id"]] in a["groups"]:
                mine = a["groups"].index(got[a["id"]]) if got[a["id"]] is not None else len(a["groups"])
                assert a["groups"].index(got[b["id"]]) >= mine, (a, b, by_id)


@pytest.fixture
def published_window(city, publish, groups):
    publish(1, 1)
    for n in (1, 2, 3):
        user, application = family(city, n)
        if n < 3:
            with time_machine.travel(IN_WINDOW, tick=False):
                bid_place(applications=[application], groups=[groups[0].pk, groups[1].pk], by=user)
    with time_machine.travel(AFTER_CLOSE, tick=False):
        [allocation] = windows_allocate_due()
    evening = at_local(dt.date(2024, 6, 1), dt.time(18, 0))
    with time_machine.travel(evening + dt.timedelta(minutes=1), tick=False):
        protocols_catch_up(city=city, until=evening)
    return allocation


def test_the_next_protocol_publishes_the_window_in_its_chain_R_W_5(published_window):
    protocol = Protocol.objects.get(day=dt.date(2024, 6, 1))
    [entry] = protocol.entries.filter(kind=NOTICE_KIND)
    assert entry.payload == published_window.record
    bids = entry.payload["bids"]
    assert [b["rank"] for b in bids] == [1, 2]
    assert all(len(b["applications"][0]) and "groups" in b for b in bids)
    # Masked: references only, no names, no IIN (R-P-4).
    text = json.dumps(protocol_document(protocol), ensure_ascii=False)
    for referral in Referral.objects.select_related("child"):
        assert referral.child.iin not in text and referral.child.last_name not in text


def test_verify_allocations_agrees_with_an_untouched_download_R_W_5(published_window):
    out = io.StringIO()
    call_command("verify_allocations", stdout=out)
    assert "1 published window(s) recomputed" in out.getvalue()


def test_verify_allocations_names_a_tampered_result_R_W_5(published_window, groups, tmp_path):
    protocol = Protocol.objects.get(day=dt.date(2024, 6, 1))
    document = protocol_document(protocol)
    entry = next(e for e in document["entries"] if e["kind"] == NOTICE_KIND)
    # Someone swaps the two children's groups in the published record.
    first, second = entry["payload"]["bids"]
    first["result"], second["result"] = second["result"], first["result"]
    path = tmp_path / "protocol.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_allocations", file=[str(path)], stderr=err)
    report = err.getvalue()
    assert first["applications"][0] in report and second["applications"][0] in report
    assert "does not match its hash" in report
    # And in the database: an edited stored entry is named too.
    stored = ProtocolEntry.objects.get(protocol=protocol, kind=NOTICE_KIND)
    stored.payload = entry["payload"]
    stored.save()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_allocations", stderr=err)
    assert "the bids give" in err.getvalue()


def test_the_protocol_page_names_the_window_and_the_rule_change_R_W_5(published_window):
    from django.test import Client

    page = Client().get("/en/protocols/2024-06-01/")
    assert page.status_code == 200
    assert "claim window decided by the queue" in page.content.decode()
