"""Issue 14 item 12 (R-P-2, R-P-3): a protocol is never published ahead of its moment, and a downloaded
CSV is verifiable on its own, following docs/protocol.md."""

import csv
import datetime as dt
import hashlib
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from indigo.errors import ServiceError
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory
from tests.vacancies.helpers import D, local
from vacancies.models import Protocol, Seat
from vacancies.protocol import protocol_publish, protocols_catch_up
from vacancies.services import seat_release, seat_withdraw

NOW = local(D(2024, 6, 3), 12)


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def verify_csv(text: str) -> dict:
    """docs/protocol.md's check of a CSV download, using nothing but the file: its header, or an AssertionError."""
    rows = list(csv.reader(io.StringIO(text)))
    first = dict(cell.split("=", 1) for cell in rows[0])
    header = {key: first[key] for key in ("format", "city", "day", "cutoff", "previous_cutoff", "previous_sha256")}
    header["previous_cutoff"] = header["previous_cutoff"] or None
    columns = rows[1]
    hashes = []
    for row in rows[2:]:
        cells = dict(zip(columns, row, strict=True))
        entry = {
            "position": int(cells["position"]),
            "at": dt.datetime.fromisoformat(cells["at"]).astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "kind": cells["kind"],
            "seat": int(cells["seat"]) if cells["seat"] else None,
            "payload": json.loads(cells["payload"]),
        }
        assert hashlib.sha256(canonical(entry)).hexdigest() == cells["sha256"], f"entry {cells['position']}"
        hashes.append(cells["sha256"])
    assert hashlib.sha256(canonical({"header": header, "entries": hashes})).hexdigest() == first["sha256"]
    return first


def test_it_item_12_r_p_3_verifies_a_downloaded_csv_on_its_own(city, kindergarten_a, staff_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=10)
    seats = seat_release(group=group, count=3, by=staff_a, at=local(D(2024, 5, 30), 9))
    protocol_publish(city=city, cutoff=local(D(2024, 5, 30), 18))
    note = "Ремонт, «группа» закрыта; 2 места"
    seat_withdraw(seat=seats[1], reason="repairs", note=note, by=staff_a, at=local(D(2024, 5, 31), 9))
    Seat.objects.filter(pk=seats[0].pk).update(state="claimed")
    ApplicationFactory(city=city, child=ChildFactory(last_name="Сейтқали", first_name="Айлин"))
    protocol_publish(city=city, cutoff=local(D(2024, 5, 31), 18))

    api = APIClient()
    listing = api.get("/api/v1/protocols/", {"city": city.slug}).json()["results"]
    downloads = {
        item["day"]: api.get(f"/api/v1/protocols/{item['id']}/", {"format": "csv"}).content.decode("utf-8")
        for item in listing
    }
    thursday, friday = verify_csv(downloads["2024-05-30"]), verify_csv(downloads["2024-05-31"])
    assert thursday["previous_sha256"] == "" and thursday["previous_cutoff"] == ""
    assert friday["previous_sha256"] == thursday["sha256"]
    assert friday["previous_cutoff"] == thursday["cutoff"] == "2024-05-30T13:00:00Z"
    assert friday["sha256"] == Protocol.objects.get(day=D(2024, 5, 31)).sha256
    # Times carry their offset: Astana's in the rows, UTC's in the header.
    assert ",2024-05-31T09:00:00+05:00,withdrawn," in downloads["2024-05-31"]

    # The note typed with the reason is never published (R-P-4).
    assert "Ремонт" not in downloads["2024-05-31"]
    # An edited cell is caught by the file alone.
    tampered = downloads["2024-05-31"].replace("repairs", "mistake")
    with pytest.raises(AssertionError):
        verify_csv(tampered)


def test_it_item_12_refuses_to_publish_for_a_future_moment(city, kindergarten_a):
    seat_release(group=GroupFactory(kindergarten=kindergarten_a, cohort=2018), count=1, at=local(D(2024, 6, 3), 9))
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(CommandError, match="in the future"):
            call_command("publish_protocol", "--at", "2024-06-05T18:30")
        with pytest.raises(ServiceError) as refused:
            protocols_catch_up(city=city, until=local(D(2024, 6, 5), 18, 30))
        assert refused.value.code == "protocol_in_future"
        assert not Protocol.objects.exists()
    # Nothing was closed ahead of time: the seat released today is published by today's protocol.
    with time_machine.travel(local(D(2024, 6, 3), 18, 1), tick=False):
        call_command("publish_protocol")
    assert list(Protocol.objects.values_list("day", flat=True)) == [D(2024, 6, 3)]
    assert Seat.objects.get().published_at == local(D(2024, 6, 3), 18)


def test_it_item_12_runs_the_documented_csv_check_as_written(city, kindergarten_a, tmp_path, monkeypatch):
    """The Python of docs/protocol.md, run as a reader would run it on a downloaded file."""
    from pathlib import Path

    seat_release(group=GroupFactory(kindergarten=kindergarten_a, cohort=2018), count=2, at=local(D(2024, 5, 31), 9))
    protocol = protocol_publish(city=city, cutoff=local(D(2024, 5, 31), 18))
    download = APIClient().get(f"/api/v1/protocols/{protocol.pk}/", {"format": "csv"}).content
    docs = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    [snippet] = [block.split("```", 1)[0] for block in docs.split("```python\n")[1:] if "csv.reader" in block]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "protocol.csv").write_bytes(download)
    exec(compile(snippet, "docs/protocol.md", "exec"), {})  # noqa: S102 - our own documentation
    (tmp_path / "protocol.csv").write_bytes(download.replace(b"released", b"relaesed", 1))
    with pytest.raises(AssertionError):
        exec(compile(snippet, "docs/protocol.md", "exec"), {})  # noqa: S102
