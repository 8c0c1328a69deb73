"""What became of the generated city's seats and applications (bench/citygen.py): every seat's life
with its referrals and seat events, the day's work left for tonight's 18:00 job, then the applications
and privileges as those lives left them. Run inside citygen's transaction, on its random stream.
"""

import bisect
import datetime as dt
import secrets
from collections import defaultdict

from bench.citygen import CITY, FULL, PER_FULL, SEAT_SHARES
from bench.common import log
from bench.copyload import Copy


def fates_write(  # noqa: C901 - one linear recipe, easier read whole
    *,
    cursor,
    rng,
    n,
    calendar,
    city,
    officer,
    categories,
    plans,
    parent_of,
    group_market,
    working,
    history_start,
    today,
    cutoff,
    previous_cutoff,
    moment,
    cutoff_of,
) -> dict:
    """Seats, referrals, seat events, applications and privileges, written with COPY; their Copy objects."""
    from indigo.clock import at_local, local_date
    from placement.models import Application, Privilege, Referral
    from vacancies.models import Seat, SeatEvent

    # Application fates: who is placed, holds a referral, withdrew or waits.
    by_market: dict[tuple, list[int]] = defaultdict(list)
    for index, plan in enumerate(plans):
        # str(): the plans carry TextChoices members, which hash unlike their plain values.
        by_market[(plan.cohort, str(plan.language), str(plan.group_type))].append(index)
    for indexes in by_market.values():
        rng.shuffle(indexes)
    state = ["active"] * len(plans)
    closed_at: list[dt.datetime | None] = [None] * len(plans)
    stop_listed: list[dt.datetime | None] = [None] * len(plans)
    privilege_override: dict[int, tuple] = {}

    # --- seats with their referrals and histories ------------------------------------------
    seats = Copy(
        cursor,
        Seat,
        ["id", "group_id", "state", "source", "released_at", "published_at", "priority_from", "priority_until"]
        + ["general_from", "withdrawn_at", "withdraw_reason", "claimed_at", "occupied_at", "vacated_at"],
    )
    referrals = Copy(
        cursor,
        Referral,
        ["id", "number", "token", "seat_id", "application_id", "child_id", "state", "issued_at", "issued_to_id"]
        + ["valid_until", "extended_at", "closed_at", "close_reason"],
    )
    events = Copy(cursor, SeatEvent, ["seat_id", "kind", "at", "reason", "data"], flush_every=200_000)
    total_seats = n(FULL["seats"], 40)
    counts = {key: round(total_seats * share) for key, share in SEAT_SHARES.items()}
    counts["occupied"] += total_seats - sum(counts.values())
    plan_states = [key for key, count in counts.items() for _ in range(count)]
    rng.shuffle(plan_states)
    special = {key: n(value) for key, value in PER_FULL.items()}
    # Padding cycles (claimed → expired → returned → published) bring the events to ~1M per full city.
    base_events = 2.4 * total_seats
    cycles_mean = max(0.0, (n(FULL["events"]) - base_events) / 4 / total_seats)
    group_ids = list(group_market)
    referral_id = 0
    open_kinds = (
        ["general_unrecorded"] * special["general_unrecorded"]
        + ["general_next"] * special["general_next"]
        + ["priority"] * special["priority"]
    )
    claimed_kinds = (
        ["expiring_today"] * special["expiring_today"]
        + ["rq5_due"] * special["rq5_due"]
        + ["rq5_later"] * special["rq5_later"]
        + ["claimed_today"] * special["claimed_today"]
    )
    counters = defaultdict(int)

    def window_data(day: dt.date) -> dict:
        last, general = calendar.window(day)
        return {
            "priority_from": cutoff_of(day).isoformat(),
            "priority_until": last.isoformat(),
            "general_from": at_local(general, dt.time(0, 0)).isoformat(),
            "summer": False,
        }

    def take_application(market: tuple, *, avoid_pending_extraordinary: bool = True) -> int | None:
        pool = by_market.get(market)
        while pool:
            index = pool.pop()
            privilege = plans[index].privilege
            if avoid_pending_extraordinary and privilege and privilege.state == "pending":
                continue
            return index
        return None

    def facts(index: int, number: str) -> dict:
        plan = plans[index]
        return {
            "application": reference[index],
            "child": f"{plan.last_name[:1]}. {plan.first_name[:1]}.",
            "referral": number,
        }

    reference: list[str] = []
    per_cohort: dict[int, int] = defaultdict(int)
    for plan in plans:
        per_cohort[plan.cohort] += 1
        reference.append(f"{CITY['code']}-{plan.cohort % 100:02d}-{per_cohort[plan.cohort]:06d}")

    def add_referral(seat_id, index, *, state, issued, valid_until, closed=None, reason="", extended=None):
        nonlocal referral_id
        referral_id += 1
        number = f"{CITY['code']}-{issued.year % 100:02d}-{referral_id:07d}"
        referrals.put(
            referral_id,
            number,
            secrets.token_urlsafe(16),
            seat_id,
            index + 1,
            index + 1,
            state,
            issued,
            parent_of[index],
            valid_until,
            extended,
            closed,
            reason,
        )
        return number

    def valid_until_of(issued: dt.datetime) -> dt.datetime:
        return at_local(calendar.add(local_date(issued), 5) + dt.timedelta(days=1), dt.time(0, 0))

    def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
        return [d for d in working if first <= d <= last]

    old_days = days_between(history_start, dt.date(2024, 9, 30))
    general_days = days_between(dt.date(2024, 9, 2), dt.date(2024, 10, 9))
    recent_publications = days_between(dt.date(2024, 10, 9), dt.date(2024, 10, 14))
    recent_claims = days_between(dt.date(2024, 10, 10), dt.date(2024, 10, 15))
    general_recorded_until = at_local(dt.date(2024, 10, 15), dt.time(0, 0))

    for seat_id, fate in enumerate(plan_states, start=1):
        group = rng.choice(group_ids)
        market = group_market[group]
        kind = fate
        if fate == "released":
            released_at = moment(today, 8, 17)
            seats.put(seat_id, group, "released", "release", released_at, *([None] * 5), "", None, None, None)
            events.put(seat_id, "released", released_at, "", {})
            continue
        # The seat's last publication; its earlier life (padding cycles) happens before it.
        if fate == "open":
            kind = open_kinds.pop() if open_kinds else "general"
            published_day = {
                "general_unrecorded": dt.date(2024, 10, 10),
                "general_next": dt.date(2024, 10, 11),
                "priority": rng.choice((dt.date(2024, 10, 14), dt.date(2024, 10, 15))),
            }.get(kind) or rng.choice(general_days)
        elif fate == "claimed":
            kind = claimed_kinds.pop() if claimed_kinds else "claimed"
            published_day = {
                "expiring_today": dt.date(2024, 10, 7),
                "rq5_due": dt.date(2024, 10, 7),
                "rq5_later": dt.date(2024, 10, 11),
                "claimed_today": dt.date(2024, 10, 15),
            }.get(kind) or rng.choice(recent_publications)
        else:
            published_day = rng.choice(old_days)
        published_at = cutoff_of(published_day)
        history: list[tuple[str, dt.datetime, str, dict]] = []
        cycles = int(rng.uniform(0, 2 * cycles_mean) + 0.5)
        latest_start = bisect.bisect_right(working, published_day - dt.timedelta(days=12 * cycles + 1))
        if cycles and latest_start > 0:
            day = working[rng.randrange(max(1, latest_start // 2))]
            history.append(("released", moment(day, 8, 12), "", {}))
            names = by_market.get(market) or [0]
            for _ in range(cycles):
                claim_at = moment(calendar.add(day, 1))
                expired_at = valid_until_of(claim_at)
                if expired_at >= published_at - dt.timedelta(days=1):
                    break
                child_index = names[rng.randrange(len(names))]
                number = f"{CITY['code']}-{claim_at.year % 100:02d}-9{rng.randrange(10**6):06d}"
                history.append(("published", cutoff_of(day), "", window_data(day)))
                history.append(("claimed", claim_at, "", {**facts(child_index, number), "stage": "priority"}))
                history.append(("expired", expired_at, "expired", facts(child_index, number)))
                history.append(("returned", expired_at, "expired", {}))
                day = calendar.add(local_date(expired_at), 1)
            released_at = history[-1][1]
        else:
            released_at = moment(published_day, 8, 12)
            history.append(("released", released_at, "", {}))
        last, general_day = calendar.window(published_day)
        general_from = at_local(general_day, dt.time(0, 0))
        history.append(("published", published_at, "", window_data(published_day)))
        windows = (published_at, published_at, last, general_from)
        withdrawn_at = claimed_at = occupied_at = vacated_at = None
        withdraw_reason = ""
        seat_state = fate
        if fate in ("occupied", "vacated", "claimed"):
            if fate == "claimed":
                claim_day = {
                    "expiring_today": dt.date(2024, 10, 8),
                    "rq5_due": dt.date(2024, 10, 8),
                    "rq5_later": dt.date(2024, 10, 14),
                    "claimed_today": today,
                }.get(kind) or rng.choice(recent_claims)
            else:
                claim_day = calendar.add(published_day, rng.randint(1, 4))
            index = take_application(market)
            if index is None:
                seat_state = "withdrawn"
            else:
                if kind in ("rq5_due", "rq5_later"):
                    privilege_override[index] = ("military", "pending")
                issued = max(moment(claim_day, 9, 16), plans[index].filed_at + dt.timedelta(days=1))
                valid_until = valid_until_of(issued)
                stage = "priority" if issued < general_from else "general"
                if fate == "claimed":
                    extended = None
                    if kind == "rq5_due":
                        # Extended, so only R-Q-5 (not expiry) ends it tonight.
                        extended = issued + dt.timedelta(days=2)
                        valid_until = at_local(today + dt.timedelta(days=20), dt.time(0, 0))
                    number = add_referral(
                        seat_id, index, state="issued", issued=issued, valid_until=valid_until, extended=extended
                    )
                else:
                    enrolled = issued + dt.timedelta(days=rng.randint(1, 4), hours=2)
                    if fate == "occupied" and counters["enrolled_today"] < special["enrolled_today"]:
                        counters["enrolled_today"] += 1
                        issued = moment(dt.date(2024, 10, 14), 9, 12)
                        valid_until = valid_until_of(issued)
                        enrolled = moment(today, 9, 16)
                    occupied_at = enrolled
                    state[index] = "placed"
                    closed_at[index] = enrolled
                    if fate == "vacated":
                        latest = previous_cutoff - dt.timedelta(hours=1)
                        vacated_at = min(enrolled + dt.timedelta(days=rng.randint(30, 200)), latest)
                        vacated_at = max(vacated_at, enrolled + dt.timedelta(minutes=30))
                    number = add_referral(
                        seat_id,
                        index,
                        state="left" if fate == "vacated" else "enrolled",
                        issued=issued,
                        valid_until=valid_until,
                        closed=enrolled,
                        reason="other" if fate == "vacated" else "",
                    )
                claimed_at = issued
                history.append(("claimed", issued, "", {**facts(index, number), "stage": stage}))
                if occupied_at:
                    history.append(("enrolled", occupied_at, "", facts(index, number)))
                if vacated_at:
                    history.append(("vacated", vacated_at, "other", facts(index, number)))
        if seat_state == "withdrawn":
            if counters["withdrawn_today"] < special["withdrawn_today"]:
                counters["withdrawn_today"] += 1
                withdrawn_at = moment(today, 9, 17)
            else:
                withdrawn_at = min(published_at + dt.timedelta(days=rng.randint(1, 5)), previous_cutoff)
            withdraw_reason = "group_closed"
            history.append(("withdrawn", withdrawn_at, withdraw_reason, {}))
        # The midnight job recorded general access for seats still open then (not last night's).
        open_until = claimed_at or withdrawn_at or general_recorded_until
        if general_from <= min(open_until, general_recorded_until):
            history.append(("general", general_from, "", {}))
        seats.put(
            seat_id,
            group,
            seat_state,
            "release",
            released_at,
            *windows,
            withdrawn_at,
            withdraw_reason,
            claimed_at,
            occupied_at,
            vacated_at,
        )
        history.sort(key=lambda event: event[1])
        for kind_, at, reason, data in history:
            events.put(seat_id, kind_, at, reason, data)

    # Referrals that expired in the past (their children were stop-listed and are back in the queue).
    seat_pool = list(range(1, total_seats + 1))
    for _ in range(special["expired_history"]):
        market = rng.choice(list(by_market))
        index = take_application(market)
        if index is None:
            continue
        issued = max(moment(rng.choice(working[: len(working) // 2])), plans[index].filed_at + dt.timedelta(days=1))
        ended = valid_until_of(issued)
        add_referral(
            rng.choice(seat_pool),
            index,
            state="expired",
            issued=issued,
            valid_until=ended,
            closed=ended,
            reason="expired",
        )
    for key in ("withdrawn_applications", "stop_listed"):
        for _ in range(special[key]):
            index = take_application(rng.choice(list(by_market)))
            if index is None:
                continue
            if key == "stop_listed":
                stop_listed[index] = cutoff + dt.timedelta(days=rng.randint(1, 9))
            else:
                state[index] = "withdrawn"
                closed_at[index] = moment(rng.choice(working))
    for copy in (seats, referrals, events):
        copy.flush()
    log(f"  {seats.count} seats, {referrals.count} referrals, {events.count} seat events")

    applications = Copy(
        cursor,
        Application,
        ["id", "reference", "child_id", "city_id", "cohort", "language", "group_type", "desired_start"]
        + ["filed_at", "filed_by_id", "state", "closed_at", "stop_listed_until"],
    )
    privileges = Copy(
        cursor,
        Privilege,
        ["application_id", "category_id", "evidence", "state", "expires_on", "claimed_at", "decided_at"]
        + ["decided_by_id", "decision_reason"],
    )
    for index, plan in enumerate(plans):
        applications.put(
            index + 1,
            reference[index],
            index + 1,
            city.pk,
            plan.cohort,
            plan.language,
            plan.group_type,
            plan.desired_start,
            plan.filed_at,
            parent_of[index],
            state[index],
            closed_at[index],
            stop_listed[index],
        )
        privilege = plan.privilege
        if index in privilege_override:
            code, _ = privilege_override[index]
            claimed = plan.filed_at + dt.timedelta(days=1)
            privileges.put(
                index + 1,
                categories[code].pk,
                "Әскери бөлімнің анықтамасы №77",
                "pending",
                today + dt.timedelta(days=300),
                claimed,
                None,
                None,
                "",
            )
        elif privilege:
            privileges.put(
                index + 1,
                categories[privilege.code].pk,
                privilege.evidence,
                privilege.state,
                privilege.expires_on,
                privilege.claimed_at,
                privilege.decided_at,
                officer.pk if privilege.decided_at else None,
                privilege.decision_reason,
            )
    applications.flush()
    privileges.flush()
    log(f"  {applications.count} applications, {privileges.count} privileges")
    return {
        "seats": seats,
        "referrals": referrals,
        "events": events,
        "applications": applications,
        "privileges": privileges,
    }
