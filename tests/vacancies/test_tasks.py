"""The 18:00 Celery job: scheduled in code, registered, and run for real through Redis."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from indigo.celery import app as celery_app
from placement.tasks import close_days
from tests.factories import GroupFactory
from tests.vacancies.helpers import D, local
from vacancies.models import Protocol, Seat
from vacancies.services import seat_release
from vacancies.tasks import advance_access

ROOT = Path(__file__).resolve().parents[2]


def test_it_registers_every_scheduled_task():
    celery_app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name


def test_it_runs_the_protocol_at_18_astana_time():
    schedule = settings.CELERY_BEAT_SCHEDULE["publish-protocols-18-00"]["schedule"]
    assert schedule.hour == {18} and schedule.minute == {0}
    assert settings.CELERY_TIMEZONE == "Asia/Almaty"


def test_it_publishes_every_city_when_called_directly(city, other_city, kindergarten_a):
    seat_release(group=GroupFactory(kindergarten=kindergarten_a, cohort=2018), count=2, at=local(D(2024, 5, 31), 9))
    result = close_days(at=local(D(2024, 5, 31), 18, 5).isoformat())
    assert result == {city.slug: ["2024-05-31"], other_city.slug: ["2024-05-31"]}
    assert close_days(at=local(D(2024, 5, 31), 19).isoformat()) == {city.slug: [], other_city.slug: []}
    assert advance_access(at=local(D(2024, 6, 6), 0, 1).isoformat()) == {city.slug: 2, other_city.slug: 0}
    assert advance_access(at=local(D(2024, 6, 6), 0, 2).isoformat()) == {city.slug: 0, other_city.slug: 0}


def test_issue13_a_message_under_the_jobs_old_name_still_closes_the_day(city, kindergarten_a):
    """A beat or a queued message from before the day close moved to placement sends the old name."""
    seat_release(group=GroupFactory(kindergarten=kindergarten_a, cohort=2018), count=1, at=local(D(2024, 5, 31), 9))
    celery_app.loader.import_default_modules()
    old = celery_app.tasks["vacancies.tasks.publish_protocols"]
    assert old(at=local(D(2024, 5, 31), 18, 5).isoformat()) == {city.slug: ["2024-05-31"]}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_it_runs_through_a_real_worker_and_redis(city, kindergarten_a):
    [seat] = seat_release(
        group=GroupFactory(kindergarten=kindergarten_a, cohort=2018), count=1, at=local(D(2024, 5, 31), 9)
    )
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "indigo",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        celery_app.send_task(
            "placement.tasks.close_days", kwargs={"at": local(D(2024, 5, 31), 18, 1).isoformat()}, queue=queue
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Protocol.objects.filter(city=city).exists():
            time.sleep(0.25)
        assert Protocol.objects.filter(city=city, day=D(2024, 5, 31)).exists(), "the worker published nothing"
        assert Seat.objects.get(pk=seat.pk).state == "open"
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert "Traceback" not in output, output
