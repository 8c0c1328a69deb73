"""Issue 14 item 11 (R-Q-2, R-Q-3): a deactivated privilege category stops counting in the queue, from the
moment it is deactivated, with a public log entry; the queue SQL and the cached positions agree."""

import datetime as dt
import random

import pytest
import time_machine

from indigo.clock import at_local
from indigo.errors import Conflict, NotAllowed, ServiceError
from placement import queue
from placement.day_close import day_close
from placement.models import Application, Privilege, PrivilegeCategory, PrivilegeCategoryChange
from placement.queue import Scope, position_report, queue_position
from placement.services import privilege_category_deactivate
from tests.factories import ApplicationFactory, GroupFactory, PrivilegeCategoryFactory
from tests.placement.test_queue_fast import CUTOFFS, END, RandomMarket

FILED = at_local(dt.date(2022, 1, 10), dt.time(9))
MONDAY = at_local(dt.date(2024, 6, 3), dt.time(18))
TUESDAY_NOON = at_local(dt.date(2024, 6, 4), dt.time(12))
TUESDAY = at_local(dt.date(2024, 6, 4), dt.time(18))


@pytest.fixture
def large_family(city):
    return PrivilegeCategoryFactory(city=city, code="large_family", tier="first")


@pytest.fixture
def market(city, large_family):
    """Four applications filed in order; the third has a large-family privilege: at 1:3 it comes first."""
    applications = [
        ApplicationFactory(city=city, filed_at=FILED + dt.timedelta(minutes=n), reference=f"TMT-{n}") for n in range(4)
    ]
    Privilege.objects.create(
        application=applications[2], category=large_family, evidence="№ 1", claimed_at=FILED, state="pending"
    )
    return [Application.objects.select_related("city").get(pk=a.pk) for a in applications]


def positions(applications, at):
    return [queue_position(application=a, at=at) for a in applications]


def test_it_item_11_r_q_2_stops_counting_a_deactivated_category(city, officer, large_family, market):
    day_close(city=city, cutoff=MONDAY)
    assert positions(market, TUESDAY_NOON) == [2, 3, 1, 4]
    with time_machine.travel(TUESDAY_NOON, tick=False):
        change = privilege_category_deactivate(category=large_family, reason="Repealed by the akimat", by=officer)
    later = TUESDAY_NOON + dt.timedelta(minutes=1)

    assert positions(market, later) == [1, 2, 3, 4]
    assert positions(market, TUESDAY_NOON - dt.timedelta(minutes=1)) == [2, 3, 1, 4]
    large_family.refresh_from_db()
    assert (large_family.is_active, large_family.deactivated_at) == (False, TUESDAY_NOON)
    # R-Q-3: each parent sees the move, explained, and the cached answer equals the ranked one.
    first = position_report(application=market[0], at=later)
    assert (first.then, first.now, first.reasons) == (2, 1, {"privilege_removed": 1})
    for application in market:
        fast = position_report(application=application, at=later)
        assert fast == queue.position_report_ranked(application=application, at=later)
        assert queue.queue_rank(application, Scope.WAITING, later) == queue_position(application=application, at=later)

    # The public log: the next protocol lists it with its reason, and the rules page shows it.
    assert change.reason == "Repealed by the akimat" and change.at == TUESDAY_NOON
    protocol = day_close(city=city, cutoff=TUESDAY)
    [entry] = protocol.entries.filter(kind="category_change")
    assert entry.at == TUESDAY_NOON
    assert entry.payload["category"]["code"] == "large_family"
    assert entry.payload["counts_in_queue"] is False
    assert entry.payload["reason"] == "Repealed by the akimat"


def test_it_item_11_shows_the_change_on_the_public_rules_page(client, city, officer, large_family, settings):
    settings.DEFAULT_CITY_SLUG = city.slug
    privilege_category_deactivate(category=large_family, reason="Repealed by the akimat", by=officer)
    page = client.get("/ru/how-it-works/").content.decode()
    assert "Многодетная семья" in page and "Repealed by the akimat" in page


def test_it_item_11_refuses_without_reason_twice_or_from_another_city(city, officer, outsider, large_family):
    with pytest.raises(ServiceError) as no_reason:
        privilege_category_deactivate(category=large_family, reason="  ", by=officer)
    assert no_reason.value.code == "reason_required"
    with pytest.raises(NotAllowed):
        privilege_category_deactivate(category=large_family, reason="Repealed", by=outsider)
    privilege_category_deactivate(category=large_family, reason="Repealed", by=officer)
    with pytest.raises(Conflict) as again:
        privilege_category_deactivate(category=large_family, reason="Repealed", by=officer)
    assert again.value.code == "category_inactive"
    assert PrivilegeCategoryChange.objects.count() == 1


def test_it_item_11_deactivates_through_the_admin_with_a_reason(admin_client, city, large_family):
    url = f"/en/admin/placement/privilegecategory/{large_family.pk}/change/"
    form = {
        "city": city.pk,
        "code": "large_family",
        "tier": "first",
        "name_kk": large_family.name_kk,
        "name_ru": large_family.name_ru,
        "name_en": "",
        "deactivate_reason": "Repealed by the akimat",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    large_family.refresh_from_db()
    assert not large_family.is_active and large_family.deactivated_at is not None
    assert PrivilegeCategoryChange.objects.get().reason == "Repealed by the akimat"


@pytest.mark.parametrize("seed", range(6))
def test_it_item_11_r_q_3_cached_positions_equal_the_queue_sql_around_deactivations(city, kindergarten_a, seed):
    """Random markets (tests/placement/test_queue_fast.py) with categories deactivated at random moments,
    before, between and after the protocols: the fast answers equal the whole-market ranking."""
    rng = random.Random(1000 + seed)
    for cutoff in CUTOFFS:
        day_close(city=city, cutoff=cutoff)
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=80)
    market = RandomMarket(rng, city, group)
    applications = [market.application() for _ in range(rng.choice((8, 15, 25)))]
    # One category off at any moment, one off after the last protocol (moved since the previous cutoff).
    after_last = [m for m in market.grid if m > CUTOFFS[-1]]
    moments_off = (market.moment(), rng.choice(after_last))
    for category, moment in zip(rng.sample(market.categories, 2), moments_off, strict=True):
        PrivilegeCategory.objects.filter(pk=category.pk).update(is_active=False, deactivated_at=moment)
    moments = [*rng.sample(market.grid, 3), END + dt.timedelta(days=1)]
    for at in moments:
        for application in Application.objects.filter(pk__in=[a.pk for a in applications]).select_related("city"):
            expected = queue.position_report_ranked(application=application, at=at)
            assert position_report(application=application, at=at) == expected, (seed, application.pk, at)
            assert queue.queue_rank(application, Scope.WAITING, at) == queue_position(application=application, at=at)


def test_it_item_11_names_the_category_on_the_protocol_page(client, city, officer, large_family, settings):
    settings.DEFAULT_CITY_SLUG = city.slug
    day_close(city=city, cutoff=MONDAY)
    with time_machine.travel(TUESDAY_NOON, tick=False):
        privilege_category_deactivate(category=large_family, reason="Repealed by the akimat", by=officer)
    day_close(city=city, cutoff=TUESDAY)
    page = client.get("/ru/protocols/2024-06-04/").content.decode()
    assert "льгота больше не учитывается в очереди: Многодетная семья" in page
    assert "Repealed by the akimat" in page
