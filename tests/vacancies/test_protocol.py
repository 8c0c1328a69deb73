"""R-P-1…R-P-4: one immutable, chained protocol per city and day, whatever runs twice or crashes."""

import datetime as dt
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import GroupFactory
from tests.vacancies.helpers import D, local
from vacancies import protocol as protocol_module
from vacancies.models import Protocol, ProtocolEntry, Seat
from vacancies.protocol import protocol_document, protocol_publish, protocols_catch_up, protocols_verify
from vacancies.services import seat_release, seat_withdraw

FRIDAY_CUTOFF = local(D(2024, 5, 31), 18)


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=10)


def test_it_lists_the_days_changes_in_time_order(city, group, staff_a):
    seats = seat_release(group=group, count=3, by=staff_a, at=local(D(2024, 5, 31), 9))
    seat_withdraw(
        seat=seats[0], reason="repairs", note="Group closed for repairs", by=staff_a, at=local(D(2024, 5, 31), 11)
    )
    protocol = protocol_publish(city=city, cutoff=FRIDAY_CUTOFF)

    entries = list(protocol.entries.order_by("position"))
    assert [e.kind for e in entries] == ["released"] * 3 + ["withdrawn"] + ["published"] * 2
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    published = entries[-1].payload
    assert published["priority_until"] == "2024-06-05"
    assert published["general_from"] == local(D(2024, 6, 6)).isoformat()
    # R-P-4: the reason from the list is published; the note is not.
    assert entries[3].payload["reason"] == "repairs"
    assert all("Group closed" not in str(e.payload) for e in entries)
    assert protocol.entry_count == 6
    assert protocol.cutoff.astimezone(dt.UTC).hour == 13


def test_it_announces_seats_moving_to_general_access_next_morning(city, group):
    seat_release(group=group, count=1, at=local(D(2024, 5, 31), 9))
    protocols_catch_up(city=city, until=FRIDAY_CUTOFF)
    protocols_catch_up(city=city, until=local(D(2024, 6, 5), 18))
    wednesday = Protocol.objects.get(city=city, day=D(2024, 6, 5))
    assert [e.kind for e in wednesday.entries.all()] == ["general_next"]


def test_it_publishes_once_when_run_twice(city, group):
    seat_release(group=group, count=2, at=local(D(2024, 5, 31), 9))
    first = protocol_publish(city=city, cutoff=FRIDAY_CUTOFF)
    second = protocol_publish(city=city, cutoff=FRIDAY_CUTOFF)
    assert first.pk == second.pk
    assert Protocol.objects.count() == 1
    assert ProtocolEntry.objects.count() == 4


def test_it_catches_up_missed_days_with_their_own_cutoffs(city, group):
    protocol_publish(city=city, cutoff=local(D(2024, 5, 27), 18))
    seat_release(group=group, count=1, at=local(D(2024, 5, 28), 9))
    published = protocols_catch_up(city=city, until=local(D(2024, 5, 30), 19))
    assert [p.cutoff for p in published] == [
        local(D(2024, 5, 28), 18),
        local(D(2024, 5, 29), 18),
        local(D(2024, 5, 30), 18),
    ]
    seat = Seat.objects.get(group=group)
    # Published by the 28 May protocol, as if the job had run that evening.
    assert seat.published_at == local(D(2024, 5, 28), 18)
    assert [p.previous_cutoff for p in published] == [local(D(2024, 5, 27), 18)] + [p.cutoff for p in published[:2]]
    assert protocols_verify(city=city) == []


def test_it_leaves_no_half_protocol_when_publishing_fails(city, group, monkeypatch):
    seat_release(group=group, count=2, at=local(D(2024, 5, 31), 9))

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(protocol_module.ProtocolEntry.objects, "bulk_create", crash)
    with pytest.raises(RuntimeError):
        protocol_publish(city=city, cutoff=FRIDAY_CUTOFF)
    assert not Protocol.objects.exists()
    assert set(Seat.objects.values_list("state", flat=True)) == {"released"}

    monkeypatch.undo()
    protocol = protocol_publish(city=city, cutoff=FRIDAY_CUTOFF)
    assert protocol.entry_count == 4


class TestVerification:
    @pytest.fixture
    def published(self, city, group, staff_a):
        seats = seat_release(group=group, count=3, by=staff_a, at=local(D(2024, 5, 30), 9))
        protocol_publish(city=city, cutoff=local(D(2024, 5, 30), 18))
        seat_withdraw(seat=seats[1], reason="other", note="Staff shortage", by=staff_a, at=local(D(2024, 5, 31), 9))
        return protocol_publish(city=city, cutoff=FRIDAY_CUTOFF)

    def test_it_passes_on_untouched_protocols(self, published):
        call_command("verify_protocols")
        assert protocols_verify() == []

    def test_it_names_an_edited_entry(self, published):
        first = Protocol.objects.get(day=D(2024, 5, 30))
        entry = first.entries.get(position=2)
        entry.payload = {**entry.payload, "group": "Another group"}
        entry.save()
        with pytest.raises(CommandError):
            call_command("verify_protocols")
        assert protocols_verify() == [f"protocol {first.city.slug} 2024-05-30: entry #2 was changed"]

    def test_it_names_a_removed_entry(self, published):
        published.entries.get(position=1).delete()
        problems = protocols_verify()
        assert f"protocol {published.city.slug} 2024-05-31: entries [1] are missing" in problems

    def test_it_notices_reordered_entries(self, published):
        first = Protocol.objects.get(day=D(2024, 5, 30))
        a, b = first.entries.get(position=1), first.entries.get(position=4)
        ProtocolEntry.objects.filter(pk=a.pk).update(position=99)
        ProtocolEntry.objects.filter(pk=b.pk).update(position=1)
        ProtocolEntry.objects.filter(pk=a.pk).update(position=4)
        problems = protocols_verify()
        assert any("entry #1 was changed" in p for p in problems)
        assert any("entry #4 was changed" in p for p in problems)

    def test_it_notices_a_broken_chain(self, published):
        Protocol.objects.filter(pk=published.pk).update(previous_sha256="0" * 64)
        problems = protocols_verify()
        assert any("2024-05-31" in p and "chain" in p for p in problems)

    def test_it_lets_anyone_recompute_the_hashes_from_the_download(self, published):
        import hashlib

        document = json.loads(json.dumps(protocol_document(published)))

        def digest(data):
            return hashlib.sha256(
                json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            ).hexdigest()

        hashes = []
        for entry in document["entries"]:
            claimed = entry.pop("sha256")
            assert digest(entry) == claimed
            hashes.append(claimed)
        assert digest({"header": document["header"], "entries": hashes}) == document["sha256"]
        previous = Protocol.objects.get(day=D(2024, 5, 30))
        assert document["header"]["previous_sha256"] == previous.sha256


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_protocol_when_two_processes_publish_at_once(city, group):
    seat_release(group=group, count=3, at=local(D(2024, 5, 31), 9))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def publish():
        try:
            barrier.wait(timeout=10)
            results.append(protocol_publish(city=city, cutoff=FRIDAY_CUTOFF).pk)
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(set(results)) == 1
    assert Protocol.objects.count() == 1
    assert ProtocolEntry.objects.count() == 6
