"""Issue 16, item 4: wait alerts — opt-in, told once per occasion however often the job runs."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from indigo.clock import at_local
from placement.models import WaitAlert, WaitAlertNotice
from placement.services.wait_alerts import wait_alert_set, wait_alerts_notify
from placement.tasks import refresh_waits
from tests.placement.conftest import _protocol, family

AFTER_16 = at_local(dt.date(2024, 10, 16), dt.time(18, 5))
AFTER_17 = at_local(dt.date(2024, 10, 17), dt.time(18, 5))


@pytest.fixture
def sent(outbox, eager_celery, django_capture_on_commit_callbacks):
    """Run a job and return the messages it sent (queued after commit, delivered inline)."""

    def run(job):
        with django_capture_on_commit_callbacks(execute=True):
            job()
        return list(outbox)

    return run


def test_it_tells_a_moved_estimate_once_however_often_the_job_runs(city, market_protocols, sent):
    # At the protocol of 16.10.2024 place 1 is expected on 20.06.2025 (tests/placement/test_wait.py);
    # the parent was last shown 1.05.2025.
    user, application = family(city, 1)
    wait_alert_set(
        application=application,
        user=user,
        by_sms=True,
        by_email=False,
        on_estimate=True,
        kindergarten_ids=[],
        expected=dt.date(2025, 5, 1),
    )
    messages = sent(lambda: wait_alerts_notify(city=city, at=AFTER_16))
    messages = sent(lambda: wait_alerts_notify(city=city, at=AFTER_16))  # a retry (ACKS_LATE) or a second run
    assert len(messages) == 1
    assert messages[0].to == user.phone
    assert "2025" in messages[0].body
    assert WaitAlert.objects.get().told_expected == dt.date(2025, 6, 20)


def test_it_stays_quiet_when_the_estimate_moves_a_week_or_less(city, market_protocols, sent):
    user, application = family(city, 1)
    wait_alert_set(
        application=application,
        user=user,
        by_sms=True,
        by_email=False,
        on_estimate=True,
        kindergarten_ids=[],
        expected=dt.date(2025, 6, 13),
    )
    assert sent(lambda: wait_alerts_notify(city=city, at=AFTER_16)) == []


def test_it_tells_when_a_followed_kindergarten_publishes_a_seat_in_the_market(
    city, market_protocols, kindergarten_a, kindergarten_b, sent
):
    user, application = family(city, 1)
    wait_alert_set(
        application=application,
        user=user,
        by_sms=True,
        by_email=False,
        on_estimate=False,
        kindergarten_ids=[kindergarten_a.pk],
    )
    mine = {"kindergarten": {"id": kindergarten_a.pk}, "cohort": 2021, "language": "kk", "group_type": "general"}
    elsewhere = {**mine, "kindergarten": {"id": kindergarten_b.pk}}
    other_market = {**mine, "language": "ru"}
    published = at_local(dt.date(2024, 10, 17), dt.time(18, 0))
    _protocol(city, dt.date(2024, 10, 17), [("published", published, payload) for payload in (mine, elsewhere)])
    messages = sent(lambda: refresh_waits(city.pk, AFTER_17.isoformat()))
    messages = sent(lambda: refresh_waits(city.pk, AFTER_17.isoformat()))
    assert len(messages) == 1
    assert kindergarten_a.name_kk in messages[0].body
    assert WaitAlertNotice.objects.get().key == "seats:2024-10-17"
    # A seat of another market is not news for this family.
    _protocol(city, dt.date(2024, 10, 18), [("published", published + dt.timedelta(days=1), other_market)])
    assert len(sent(lambda: refresh_waits(city.pk, (AFTER_17 + dt.timedelta(days=1)).isoformat()))) == 1


def test_it_sends_nothing_without_a_channel(city, market_protocols, sent):
    user, application = family(city, 1)
    wait_alert_set(
        application=application,
        user=user,
        by_sms=False,
        by_email=False,
        on_estimate=True,
        kindergarten_ids=[],
        expected=dt.date(2025, 1, 1),
    )
    assert sent(lambda: wait_alerts_notify(city=city, at=AFTER_16)) == []


def test_it_refuses_email_without_an_address_in_the_users_language(client, city, market_protocols):
    user, application = family(city, 1)
    client.force_login(user)
    with time_machine.travel(at_local(dt.date(2024, 10, 16), dt.time(10)), tick=False):
        page = client.post(
            f"/ru/cabinet/applications/{application.pk}/wait-alerts/",
            {"by_email": "on", "on_estimate": "on"},
            follow=True,
        )
    assert "добавьте адрес электронной почты" in page.content.decode()
    assert not WaitAlert.objects.exists()


def test_it_saves_the_choices_from_the_cabinet(client, city, market_protocols, kindergarten_a):
    user, application = family(city, 1)
    client.force_login(user)
    with time_machine.travel(at_local(dt.date(2024, 10, 16), dt.time(10)), tick=False):
        client.post(
            f"/en/cabinet/applications/{application.pk}/wait-alerts/",
            {"by_sms": "on", "on_estimate": "on", "kindergarten": [str(kindergarten_a.pk)], "expected": "2025-06-20"},
        )
    alert = WaitAlert.objects.get()
    assert (alert.by_sms, alert.on_estimate, alert.told_expected) == (True, True, dt.date(2025, 6, 20))
    assert list(alert.kindergartens.all()) == [kindergarten_a]


def test_it_keeps_another_familys_alerts_out_of_reach(client, city, market_protocols, other_parent):
    _user, application = family(city, 1)
    client.force_login(other_parent)
    assert client.post(f"/en/cabinet/applications/{application.pk}/wait-alerts/", {"by_sms": "on"}).status_code == 404
    api = APIClient()
    api.force_authenticate(other_parent)
    assert api.put(f"/api/v1/applications/{application.pk}/wait-alert/", {"by_sms": True}).status_code == 404


def test_it_sets_the_alert_by_the_api(city, market_protocols, kindergarten_a):
    user, application = family(city, 1)
    api = APIClient()
    api.force_authenticate(user)
    with time_machine.travel(at_local(dt.date(2024, 10, 16), dt.time(10)), tick=False):
        answer = api.put(
            f"/api/v1/applications/{application.pk}/wait-alert/",
            {"by_sms": True, "on_estimate": True, "kindergartens": [kindergarten_a.pk]},
            format="json",
        )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "by_sms": True,
        "by_email": False,
        "on_estimate": True,
        "kindergartens": [kindergarten_a.pk],
    }
    assert WaitAlert.objects.get().told_expected == dt.date(2025, 6, 20)
    refused = api.put(f"/api/v1/applications/{application.pk}/wait-alert/", {"by_email": True}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "no_email")


def test_it_refreshes_the_waits_after_the_18_00_protocol(city, group, eager_celery):
    from django.core.cache import cache

    from placement.tasks import close_days
    from vacancies.models import Protocol

    family(city, 1)
    close_days(at=at_local(dt.date(2024, 10, 16), dt.time(18, 1)).isoformat())
    protocol = Protocol.objects.get(city=city)
    assert cache.get(f"wait:{city.pk}:{int(protocol.cutoff.timestamp())}:done") is not None
    assert cache.get(f"release-stats:{city.pk}:{int(protocol.cutoff.timestamp())}") is not None
