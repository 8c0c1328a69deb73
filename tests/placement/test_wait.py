"""Issue 16, item 1: the expected wait, checked against markets computed by hand."""

import datetime as dt

from indigo.clock import at_local
from placement.wait import MarketHistory, Status, market_history, wait_estimate, wait_estimate_compute
from tests.placement.conftest import LAST_DAY, family

TOMORROW = LAST_DAY + dt.timedelta(days=1)


def history(daily: dict[int, int], *, complete: bool = True) -> MarketHistory:
    """A year ending LAST_DAY; `daily` maps an index (0 = 365 days before the end… 364 = LAST_DAY) to a count."""
    return MarketHistory(last_day=LAST_DAY, daily=tuple(daily.get(i, 0) for i in range(365)), complete=complete)


def test_it_dates_a_steady_market_by_hand():
    # One placement a day (7 a week). Place 20, computed tomorrow: the projected placements reach
    #   m on day TOMORROW + (m - 1). The interval is where m ± 1.2816 · sqrt(m + (0.25 m)²) crosses 20:
    #   m = 13: 13 + 1.2816 · sqrt(13 + 10.5625) = 13 + 6.22 = 19.22 < 20;  m = 14: 14 + 6.57 = 20.57 ≥ 20
    #   m = 32: 32 - 1.2816 · sqrt(32 + 64) = 32 - 12.56 = 19.44 < 20;     m = 33: 33 - 12.88 = 20.12 ≥ 20
    estimate = wait_estimate_compute(history=history(dict.fromkeys(range(365), 1)), position=20, today=TOMORROW)
    assert estimate.status == Status.ESTIMATED
    assert estimate.per_week == 7
    assert estimate.expected == TOMORROW + dt.timedelta(days=19)
    assert estimate.low == TOMORROW + dt.timedelta(days=13)
    assert estimate.high == TOMORROW + dt.timedelta(days=32)


def test_it_lets_the_summer_concentrate_the_placements():
    # All 100 placements of the year on one day, 20 June 2024 (index 248): the child at place 50 is
    # expected that day next year, and even the interval's ends fall on it (100 - 1.2816 · 26.9 = 65.5 ≥ 50).
    june = (dt.date(2024, 6, 20) - (LAST_DAY - dt.timedelta(days=364))).days
    estimate = wait_estimate_compute(history=history({june: 100}), position=50, today=TOMORROW)
    assert estimate.expected == estimate.low == estimate.high == dt.date(2025, 6, 20)


def test_it_skips_the_days_already_gone_since_the_protocol():
    steady = history(dict.fromkeys(range(365), 1))
    later = wait_estimate_compute(history=steady, position=20, today=TOMORROW + dt.timedelta(days=3))
    assert later.expected == TOMORROW + dt.timedelta(days=3 + 19)


def test_it_says_history_is_thin_instead_of_guessing():
    assert wait_estimate_compute(history=history({0: 11}), position=1, today=TOMORROW).status == Status.THIN
    partial = history(dict.fromkeys(range(300, 365), 5), complete=False)
    assert wait_estimate_compute(history=partial, position=1, today=TOMORROW).status == Status.THIN
    assert wait_estimate_compute(history=history({0: 12}), position=1, today=TOMORROW).status == Status.ESTIMATED


def test_it_gives_no_date_beyond_three_years():
    estimate = wait_estimate_compute(history=history({0: 12}), position=37, today=TOMORROW)
    assert estimate.status == Status.BEYOND
    assert estimate.expected is None


def test_it_has_no_estimate_for_a_child_not_waiting():
    estimate = wait_estimate_compute(history=history({0: 50}), position=None, today=TOMORROW)
    assert estimate.status == Status.NOT_WAITING


# -- From the published protocols ---------------------------------------------------------------------


def test_it_reads_the_market_from_the_published_protocols(city, market_protocols):
    # Net placements in the year to 15.10.2024: 18 (20.06) + 2 (1.10) + 2 (2.10) = 22.
    # Asked on 16.10 at 10:00, the year repeats from 16.10: 20.06.2025 brings 18, 1.10.2025 20, 2.10.2025 22.
    # Place 3 is expected on 20.06.2025, place 20 on 1.10.2025, place 21 on 2.10.2025.
    _user, application = family(city, 1)
    at = at_local(dt.date(2024, 10, 16), dt.time(10, 0))
    found = market_history(market=_market(application), city=city, at=at)
    assert found.placements == 22
    assert found.last_day == LAST_DAY
    estimate = wait_estimate(application=application, position=20, at=at)
    assert estimate.expected == dt.date(2025, 10, 1)
    assert wait_estimate(application=application, position=3, at=at).expected == dt.date(2025, 6, 20)
    assert wait_estimate(application=application, position=21, at=at).expected == dt.date(2025, 10, 2)


def test_it_counts_a_protocol_only_once_it_is_published(city, market_protocols):
    _user, application = family(city, 1)
    after = market_history(market=_market(application), city=city, at=at_local(dt.date(2024, 10, 16), dt.time(19)))
    assert after.placements == 31  # the nine claims of 16.10 are published at its 18:00


def _market(application):
    from placement.queue import Market

    return Market.of(application)
