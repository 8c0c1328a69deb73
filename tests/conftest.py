"""Named actors shared by every test (STYLE.md): who owns what is obvious from the name."""

import pytest
from django.conf import settings

from accounts.models import User
from tests.factories import CityFactory, DistrictFactory, KindergartenFactory, UserFactory


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        raise pytest.UsageError(
            "Indigo's tests run on PostgreSQL: set DATABASE_URL=postgres://… (make test does this)."
        )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _exact_turns(settings):
    """Tests change the queue and claim within one frozen moment: every turn is checked exactly,
    except where a test turns the snapshots of placement/queue/turns.py on."""
    from placement.queue.turns import turn_snapshots_clear
    from placement.window.snapshot import window_snapshots_clear

    settings.TURN_SNAPSHOT_MS = 0
    settings.WINDOW_TURN_SNAPSHOT_S = 0
    turn_snapshots_clear()
    window_snapshots_clear()
    yield
    turn_snapshots_clear()
    window_snapshots_clear()


@pytest.fixture
def city(db):
    return CityFactory(slug="temirtau", code="TMT", name_kk="Теміртау", name_ru="Темиртау", name_en="Temirtau")


@pytest.fixture
def other_city(db):
    return CityFactory(slug="balkhash", code="BLK", name_kk="Балқаш", name_ru="Балхаш", name_en="Balkhash")


@pytest.fixture
def kindergarten_a(city):
    return KindergartenFactory(district=DistrictFactory(city=city), name_ru="Ясли-сад №1 «Балапан»")


@pytest.fixture
def kindergarten_b(city):
    return KindergartenFactory(district=DistrictFactory(city=city), name_ru="Ясли-сад №2 «Айгөлек»")


@pytest.fixture
def parent(db):
    return UserFactory(username="aigerim", role=User.Role.PARENT, iin="900515400123", phone="+77010000001")


@pytest.fixture
def other_parent(db):
    return UserFactory(username="bolat", role=User.Role.PARENT, iin="880101300123", phone="+77010000002")


@pytest.fixture
def staff_a(kindergarten_a):
    user = UserFactory(username="staff_a", role=User.Role.STAFF)
    user.kindergartens.add(kindergarten_a)
    return user


@pytest.fixture
def staff_b(kindergarten_b):
    user = UserFactory(username="staff_b", role=User.Role.STAFF)
    user.kindergartens.add(kindergarten_b)
    return user


@pytest.fixture
def officer(city):
    return UserFactory(username="officer", role=User.Role.OFFICER, city=city, is_staff=True)


@pytest.fixture
def outsider(other_city):
    """An officer of another city: signed in, but with no right to this city's data."""
    return UserFactory(username="outsider", role=User.Role.OFFICER, city=other_city, is_staff=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the (LocMem) cache; each test starts with none."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    # A Redis cache (CACHE_URL set) may share its database with others: never flush it.
    cache = caches["default"]
    local = isinstance(cache, LocMemCache)
    if local:
        cache.clear()
    yield
    if local:
        cache.clear()


@pytest.fixture
def outbox(settings):
    """SMS and e-mail go to indigo.senders.outbox (a list of Message) instead of the console."""
    from indigo import senders

    settings.SMS_SENDER = "memory"
    settings.EMAIL_SENDER = "memory"
    senders.outbox.clear()
    yield senders.outbox
    senders.outbox.clear()


@pytest.fixture
def eager_celery():
    """Celery tasks run inline (after commit, where they are queued), so their effects are visible."""
    from indigo.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = before
