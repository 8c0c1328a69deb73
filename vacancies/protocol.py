"""The daily vacancy release protocol (R-P-1…R-P-4).

Canonical form: JSON with sorted keys, no spaces, UTF-8. Each entry is hashed on its own;
the protocol's SHA-256 covers its header (city, day, cutoffs, previous hash) and the entry
hashes in order, so an edited entry is named by its own hash and a removed or reordered
one by the protocol's. docs/protocol.md tells how to check a download by hand.
"""

import dataclasses
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext_lazy as _

from indigo import clock
from indigo.errors import Conflict, ServiceError
from indigo.spreadsheet import csv_writer
from vacancies.access import cutoffs_between
from vacancies.locking import city_lock, protocol_writers_drain
from vacancies.models import (
    City,
    CitySettingsChange,
    Protocol,
    ProtocolEntry,
    ProtocolNotice,
    ScheduleLogEntry,
    Seat,
    SeatEvent,
)
from vacancies.services import access_moves_record, seats_publish

FORMAT = "indigo-protocol/1"
GENERAL_NEXT = "general_next"
SCHEDULE_CHANGE = "schedule_change"
SETTINGS_CHANGE = "settings_change"
# A ProtocolNotice kind: a claim window's masked bids and result (R-W-5, placement/window/record.py).
WINDOW_ALLOCATION = "window_allocation"


@dataclasses.dataclass(frozen=True)
class EntrySource:
    """Entries an app above vacancies adds to every protocol, so the protocol stays whole whoever publishes
    it (placement adds the privilege categories that stop counting in the queue, R-Q-2).

    rows(city, after, cutoff) gives (at, pk, kind, seat_id, payload) for changes in (after, cutoff];
    first(city) the earliest such change or None. `order` ranks its entries among those stamped at
    one moment: seat events 0, schedule changes 1, announcements 2."""

    kind: str
    label: str  # what the protocol page calls such an entry, translated lazily
    order: int
    rows: Callable[[City, dt.datetime | None, dt.datetime], Iterable[tuple]]
    first: Callable[[City], dt.datetime | None]


_SOURCES: dict[str, EntrySource] = {}


def protocol_source_register(source: EntrySource) -> None:
    """Called from an app's ready(); registering a kind twice keeps the last (a reloaded app)."""
    _SOURCES[source.kind] = source


def protocol_source_labels() -> dict[str, str]:
    return {kind: source.label for kind, source in _SOURCES.items()}


def canonical_json(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _sha256(data) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def _utc(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def protocol_header(protocol: Protocol) -> dict:
    return {
        "format": FORMAT,
        "city": protocol.city.slug,
        "day": protocol.day.isoformat(),
        "cutoff": _utc(protocol.cutoff),
        "previous_cutoff": _utc(protocol.previous_cutoff),
        "previous_sha256": protocol.previous_sha256,
    }


def entry_canonical(entry: ProtocolEntry) -> dict:
    return {
        "position": entry.position,
        "at": _utc(entry.at),
        "kind": entry.kind,
        "seat": entry.seat_id,
        "payload": entry.payload,
    }


def protocol_digest(header: dict, entry_hashes: list[str]) -> str:
    return _sha256({"header": header, "entries": entry_hashes})


def _seat_facts(seat: Seat) -> dict:
    group = seat.group
    kindergarten = group.kindergarten
    return {
        "kindergarten": {
            "id": kindergarten.pk,
            "number": kindergarten.number,
            "name_kk": kindergarten.name_kk,
            "name_ru": kindergarten.name_ru,
        },
        "group": group.name,
        "cohort": group.cohort,
        "language": group.language,
        "group_type": group.group_type,
    }


def _collect_entries(city: City, after: dt.datetime | None, cutoff: dt.datetime) -> list[tuple]:
    """(at, kind, seat_id, payload) for everything in (after, cutoff], oldest first, ties by id."""
    events = SeatEvent.objects.filter(seat__group__kindergarten__city=city, at__lte=cutoff)
    schedule = ScheduleLogEntry.objects.filter(city=city, at__lte=cutoff)
    if after is not None:
        events = events.filter(at__gt=after)
        schedule = schedule.filter(at__gt=after)
    rows = []
    for event in events.select_related("seat__group__kindergarten").order_by("at", "pk"):
        payload = {**_seat_facts(event.seat), **event.data}
        if event.reason:
            payload["reason"] = event.reason
        rows.append((event.at, 0, event.pk, event.kind, event.seat_id, payload))
    for change in schedule.select_related("kindergarten").order_by("at", "pk"):
        payload = {
            "year": change.year,
            "cohort": change.cohort,
            "before": change.before,
            "after": change.after,
            "reason": change.reason,
        }
        if change.kindergarten_id:
            payload["kindergarten"] = {
                "id": change.kindergarten_id,
                "name_kk": change.kindergarten.name_kk,
                "name_ru": change.kindergarten.name_ru,
            }
        rows.append((change.at, 1, change.pk, SCHEDULE_CHANGE, None, payload))
    for source in _SOURCES.values():
        for at, pk, kind, seat_id, payload in source.rows(city, after, cutoff):
            rows.append((at, source.order, pk, kind, seat_id, payload))
    notices = ProtocolNotice.objects.filter(city=city, at__lte=cutoff)
    settings_changes = CitySettingsChange.objects.filter(city=city, at__lte=cutoff)
    if after is not None:
        notices = notices.filter(at__gt=after)
        settings_changes = settings_changes.filter(at__gt=after)
    for notice in notices.order_by("at", "pk"):
        rows.append((notice.at, 4, notice.pk, notice.kind, None, notice.payload))
    # R-W-1: a city's rules change in public, with the department's reason.
    for change in settings_changes.order_by("at", "pk"):
        payload = {"before": change.before, "after": change.after, "reason": change.reason}
        rows.append((change.at, 5, change.pk, SETTINGS_CHANGE, None, payload))
    # Announcements: seats whose general access opens before the next protocol.
    upcoming = (
        Seat.objects.filter(
            group__kindergarten__city=city,
            state=Seat.State.OPEN,
            general_from__gt=cutoff,
            general_from__lte=cutoff + dt.timedelta(days=1),
        )
        .select_related("group__kindergarten")
        .order_by("general_from", "pk")
    )
    for seat in upcoming:
        payload = {**_seat_facts(seat), "general_from": seat.general_from.isoformat()}
        rows.append((seat.general_from, 2, seat.pk, GENERAL_NEXT, seat.pk, payload))
    rows.sort(key=lambda row: row[:3])
    return [(at, kind, seat_id, payload) for at, _order, _pk, kind, seat_id, payload in rows]


# What runs inside the protocol's transaction before its seats are published: the day's close
# (placement/day_close.py) passes the referral expiries, so the seats they return are in this protocol.
BeforePublish = Callable[[City, dt.datetime], None]


def protocol_publish(*, city: City, cutoff: dt.datetime, before_publish: BeforePublish | None = None) -> Protocol:
    """Publish the city's protocol for this cutoff, or return it if it exists (R-P-2).

    One transaction: a crash leaves either the whole protocol with its seat changes, or nothing.
    The cutoff must have passed (protocols_catch_up, which the job and the command use, sees to it):
    only then are the changes it waits for all the ones that can be stamped up to it. The 18:00 job
    and the command go through placement.day_close, which passes `before_publish`; called alone (the
    protocol's own tests, a city with no referral due) nothing of the demand side runs.
    """
    day = clock.local_date(cutoff)
    # Every change stamped up to the cutoff has committed past this line (vacancies/locking.py).
    protocol_writers_drain(city.pk)
    with transaction.atomic():
        # Serialises publishers of one city: a second run waits here, then finds the protocol.
        city = city_lock(city.pk)
        existing = Protocol.objects.filter(city=city, day=day).first()
        if existing is not None:
            return existing
        previous = Protocol.objects.filter(city=city).order_by("-cutoff").first()
        if previous is not None and previous.cutoff >= cutoff:
            raise Conflict("protocol_out_of_order", _("A later protocol is already published for this city."))
        if before_publish is not None:
            before_publish(city, cutoff)
        access_moves_record(city=city, until=cutoff)
        seats_publish(city=city, cutoff=cutoff)

        protocol = Protocol(
            city=city,
            day=day,
            cutoff=cutoff,
            previous_cutoff=previous.cutoff if previous else None,
            previous_sha256=previous.sha256 if previous else "",
            published_at=clock.now(),
        )
        entries = [
            ProtocolEntry(position=position, at=at, kind=kind, seat_id=seat_id, payload=payload)
            for position, (at, kind, seat_id, payload) in enumerate(
                _collect_entries(city, protocol.previous_cutoff, cutoff), start=1
            )
        ]
        for entry in entries:
            # Round-trip through JSON so the stored payload hashes the same when read back.
            entry.payload = json.loads(canonical_json(entry.payload))
            entry.sha256 = _sha256(entry_canonical(entry))
        protocol.entry_count = len(entries)
        protocol.sha256 = protocol_digest(protocol_header(protocol), [entry.sha256 for entry in entries])
        protocol.save()
        for entry in entries:
            entry.protocol = protocol
        # One statement whatever the day's size (PostgreSQL inserts it with UNNEST; SQLite batches itself).
        ProtocolEntry.objects.bulk_create(entries)
    return protocol


def _refuse_future(moment: dt.datetime) -> None:
    """A protocol closes its day for good: published before its moment has passed, it would leave out
    every change made between the run and that moment, and no later protocol would take them."""
    if moment > clock.now():
        raise ServiceError(
            "protocol_in_future",
            _("A protocol can only be published for a moment that has passed; %(moment)s is still to come."),
            moment=clock.localtime_iso(moment),
        )


def protocols_catch_up(
    *, city: City, until: dt.datetime, before_publish: BeforePublish | None = None
) -> list[Protocol]:
    """Publish every protocol due up to `until`, each with its own original cutoff (R-P-2)."""
    _refuse_future(until)
    last = Protocol.objects.filter(city=city).order_by("-cutoff").values_list("cutoff", flat=True).first()
    first_change = _first_change(city) if last is None else None
    cutoffs = cutoffs_between(city, last, until, first_change=first_change)
    return [protocol_publish(city=city, cutoff=cutoff, before_publish=before_publish) for cutoff in cutoffs]


def _first_change(city: City) -> dt.datetime | None:
    """The earliest moment anything the protocol lists happened in the city; None if nothing did."""
    moments = [
        SeatEvent.objects.filter(seat__group__kindergarten__city=city).aggregate(first=Min("at"))["first"],
        ScheduleLogEntry.objects.filter(city=city).aggregate(first=Min("at"))["first"],
        *(source.first(city) for source in _SOURCES.values()),
        ProtocolNotice.objects.filter(city=city).aggregate(first=Min("at"))["first"],
        CitySettingsChange.objects.filter(city=city).aggregate(first=Min("at"))["first"],
    ]
    return min((moment for moment in moments if moment is not None), default=None)


def protocol_verify(protocol: Protocol, previous: Protocol | None) -> list[str]:
    """Problems found in one stored protocol; an empty list means it is intact."""
    problems = []
    label = f"{protocol.city.slug} {protocol.day}"
    entries = list(protocol.entries.order_by("position", "pk"))
    for entry in entries:
        if _sha256(entry_canonical(entry)) != entry.sha256:
            problems.append(f"protocol {label}: entry #{entry.position} was changed")
    positions = [entry.position for entry in entries]
    expected = list(range(1, protocol.entry_count + 1))
    if positions != expected:
        missing = sorted(set(expected) - set(positions))
        extra = sorted(set(positions) - set(expected))
        if missing:
            problems.append(f"protocol {label}: entries {missing} are missing")
        if extra:
            problems.append(f"protocol {label}: entries {extra} do not belong to it")
    if protocol_digest(protocol_header(protocol), [entry.sha256 for entry in entries]) != protocol.sha256:
        problems.append(f"protocol {label}: its SHA-256 does not match its content")
    expected_previous = previous.sha256 if previous else ""
    if protocol.previous_sha256 != expected_previous:
        problems.append(f"protocol {label}: the chain to the previous protocol is broken")
    return problems


def protocols_verify(*, city: City | None = None) -> list[str]:
    problems = []
    cities = [city] if city else City.objects.order_by("pk")
    for each in cities:
        previous = None
        for protocol in Protocol.objects.filter(city=each).select_related("city").order_by("cutoff"):
            problems.extend(protocol_verify(protocol, previous))
            previous = protocol
    return problems


def protocol_document(protocol: Protocol) -> dict:
    """The downloadable JSON: everything needed to recompute both hashes."""
    entries = list(protocol.entries.order_by("position"))
    return {
        "header": protocol_header(protocol),
        "sha256": protocol.sha256,
        "entries": [{**entry_canonical(entry), "sha256": entry.sha256} for entry in entries],
    }


CSV_COLUMNS = [
    "position",
    "at",
    "kind",
    "seat",
    "kindergarten",
    "group",
    "cohort",
    "language",
    "group_type",
    "priority_from",
    "priority_until",
    "general_from",
    "application",
    "child",
    "reason",
    "sha256",
    "payload",
]
# The first row: the header as hashed, and both hashes, as name=value cells (docs/protocol.md).
CSV_HEADER_FIELDS = ["format", "city", "day", "cutoff", "previous_cutoff", "previous_sha256"]


def protocol_csv(protocol: Protocol) -> str:
    buffer = io.StringIO()
    # Typed text (a kindergarten's name) must not run as a formula in a spreadsheet: a cell beginning
    # with = + - @ gets a leading apostrophe (indigo/spreadsheet.py); the JSON keeps the text as hashed.
    writer = csv_writer(buffer)
    # So that the file alone can be verified: the header the protocol's hash covers (an empty
    # previous_cutoff stands for none), the hash itself and the previous one; and per entry the
    # payload as hashed, in canonical JSON. `at` is Astana time with its offset: its UTC form is hashed.
    header = protocol_header(protocol)
    writer.writerow([f"{field}={header[field] or ''}" for field in CSV_HEADER_FIELDS] + [f"sha256={protocol.sha256}"])
    writer.writerow(CSV_COLUMNS)
    for entry in protocol.entries.order_by("position"):
        payload = entry.payload
        kindergarten = payload.get("kindergarten") or {}
        writer.writerow(
            [
                entry.position,
                clock.localtime_iso(entry.at),
                entry.kind,
                entry.seat_id or "",
                kindergarten.get("name_ru", ""),
                payload.get("group", ""),
                payload.get("cohort", ""),
                payload.get("language", ""),
                payload.get("group_type", ""),
                payload.get("priority_from", ""),
                payload.get("priority_until", ""),
                payload.get("general_from", ""),
                payload.get("application", ""),
                payload.get("child", ""),
                payload.get("reason", ""),
                entry.sha256,
                canonical_json(payload).decode("utf-8"),
            ]
        )
    return buffer.getvalue()
