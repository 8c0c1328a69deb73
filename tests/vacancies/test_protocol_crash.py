"""R-P-2: a worker killed in the middle of publishing leaves no half protocol behind."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import GroupFactory
from tests.vacancies.helpers import D, local
from vacancies.models import Protocol, ProtocolEntry, Seat
from vacancies.protocol import protocol_publish
from vacancies.services import seat_release

ROOT = Path(__file__).resolve().parents[2]
CUTOFF = local(D(2024, 5, 31), 18)

# Publishes, but stops for good after the entries are written and before the commit.
PUBLISHER = textwrap.dedent(
    """
    import datetime, sys, time
    import django
    django.setup()
    from vacancies import protocol
    from vacancies.models import City
    original = protocol.ProtocolEntry.objects.bulk_create
    def write_then_hang(*args, **kwargs):
        result = original(*args, **kwargs)
        print("entries written", flush=True)
        time.sleep(120)
        return result
    protocol.ProtocolEntry.objects.bulk_create = write_then_hang
    cutoff = datetime.datetime.fromisoformat(sys.argv[2])
    protocol.protocol_publish(city=City.objects.get(slug=sys.argv[1]), cutoff=cutoff)
    """
)


@pytest.mark.django_db(transaction=True)
def test_it_leaves_nothing_when_the_publisher_is_killed(city, kindergarten_a):
    seat_release(group=GroupFactory(kindergarten=kindergarten_a, cohort=2018), count=2, at=local(D(2024, 5, 31), 9))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "indigo.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    publisher = subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, city.slug, CUTOFF.isoformat()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = publisher.stdout.readline()
        assert line.strip() == "entries written", line + publisher.stdout.read()
        publisher.send_signal(signal.SIGKILL)
        publisher.wait(timeout=10)
    finally:
        if publisher.poll() is None:
            publisher.kill()

    assert not Protocol.objects.exists()
    assert not ProtocolEntry.objects.exists()
    assert set(Seat.objects.values_list("state", flat=True)) == {"released"}
    # The city lock died with the killed session, so the next run publishes normally.
    assert protocol_publish(city=city, cutoff=CUTOFF).entry_count == 4
