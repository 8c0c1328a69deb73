"""seed_demo: the demo city Temirtau, drawn from a seed and loaded once however often the command runs."""

import datetime as dt
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from accounts.models import RepresentativeLink, User
from indigo.clock import at_local
from indigo.iin import parse_iin
from placement.demo.families import demo_children_plan
from placement.demo.names import feminine_surname
from placement.models import (
    Application,
    Child,
    Privilege,
    PrivilegeCategory,
)
from vacancies.models import (
    City,
    District,
    Group,
    Kindergarten,
    ScheduleLogEntry,
    Seat,
    SummerWindow,
    SummerWindowChange,
)

SMALL = {"children": 200, "kindergartens": 6}
SEEDED_MODELS = (
    City,
    District,
    Kindergarten,
    Group,
    Seat,
    PrivilegeCategory,
    SummerWindow,
    SummerWindowChange,
    ScheduleLogEntry,
    Child,
    Application,
    Privilege,
    User,
    RepresentativeLink,
)


def seed(*args, **options) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, **{**SMALL, **options})
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def serial(iin: str) -> int:
    return int(iin[7:11])


def same_family(one, other) -> bool:
    if one.sex == other.sex:
        return (one.last_name, one.patronymic) == (other.last_name, other.patronymic)
    boy, girl = (one, other) if one.sex == "M" else (other, one)
    return feminine_surname(boy.last_name) == girl.last_name


@pytest.mark.django_db
def test_it_loads_the_2024_summer_schedule_exactly():
    seed()

    rows = SummerWindow.objects.filter(city__slug="temirtau").values_list(
        "year", "cohort", "priority_start", "priority_end", "general_date"
    )
    assert sorted(rows) == [
        (2024, 2019, dt.date(2024, 6, 17), dt.date(2024, 6, 19), dt.date(2024, 6, 20)),
        (2024, 2020, dt.date(2024, 6, 10), dt.date(2024, 6, 12), dt.date(2024, 6, 13)),
        (2024, 2021, dt.date(2024, 6, 3), dt.date(2024, 6, 5), dt.date(2024, 6, 6)),
        (2024, 2022, dt.date(2024, 6, 17), dt.date(2024, 6, 19), dt.date(2024, 6, 20)),
    ]


@pytest.mark.django_db
def test_it_logs_each_kindergarten_schedule_change_with_before_and_after():
    seed()

    changes = list(SummerWindowChange.objects.select_related("window"))
    assert 1 <= len(changes) <= 2
    for change in changes:
        window = change.window
        entry = ScheduleLogEntry.objects.get(kindergarten=change.kindergarten, cohort=window.cohort)
        assert entry.before == {
            "priority_start": window.priority_start.isoformat(),
            "priority_end": window.priority_end.isoformat(),
            "general_date": window.general_date.isoformat(),
        }
        assert entry.after == {
            "priority_start": change.priority_start.isoformat(),
            "priority_end": change.priority_end.isoformat(),
            "general_date": change.general_date.isoformat(),
        }
        assert entry.reason == change.reason
        assert entry.at == change.created_at
        assert change.general_date > change.priority_end >= change.priority_start > window.priority_start


@pytest.mark.django_db
def test_it_gives_every_child_a_valid_iin_of_its_own_birth_date_and_sex():
    seed()

    children = list(Child.objects.all())
    assert len(children) == SMALL["children"]
    for child in children:
        iin = parse_iin(child.iin)
        assert iin.birth_date == child.birth_date
        assert iin.sex == child.sex
        assert 2019 <= child.birth_date.year <= 2022


@pytest.mark.django_db
def test_it_files_one_active_application_per_child_in_its_cohort():
    seed()

    applications = list(Application.objects.select_related("child", "city"))
    assert len(applications) == SMALL["children"]
    assert len({application.child_id for application in applications}) == len(applications)
    for application in applications:
        match = re.fullmatch(r"TMT-(\d\d)-(\d{6})", application.reference)
        assert match, application.reference
        assert application.city.slug == "temirtau"
        assert application.state == Application.State.ACTIVE
        assert application.cohort == application.child.birth_date.year
        assert int(match[1]) == application.cohort % 100
        assert application.language in {"kk", "ru"}
        assert application.child.birth_date < application.filed_at.date() <= dt.date(2024, 5, 31)


@pytest.mark.django_db
def test_it_adds_nothing_when_run_twice():
    seed()
    first = row_counts()

    output = seed()

    assert row_counts() == first
    assert "Nothing to add" in output


@pytest.mark.django_db
def test_it_tops_up_to_a_larger_queue_keeping_the_children_it_had():
    seed(children=120)
    before = set(Child.objects.values_list("iin", flat=True))

    seed(children=150)

    after = set(Child.objects.values_list("iin", flat=True))
    assert len(after) == 150
    assert before < after
    assert Application.objects.count() == 150


# A real transaction per step, so the flush between the two runs gives a truly empty database.
@pytest.mark.django_db(transaction=True)
def test_it_draws_the_same_city_from_the_same_seed():
    seed(seed=7)
    first_iins = sorted(Child.objects.values_list("iin", flat=True))
    first_kindergartens = sorted(Kindergarten.objects.values_list("name_ru", flat=True))

    call_command("flush", interactive=False, verbosity=0)
    assert not Child.objects.exists()
    seed(seed=7)

    assert sorted(Child.objects.values_list("iin", flat=True)) == first_iins
    assert sorted(Kindergarten.objects.values_list("name_ru", flat=True)) == first_kindergartens


def test_it_draws_another_queue_from_another_seed():
    def iins(seed):
        return [plan.iin for plan in demo_children_plan(seed=seed, count=100)]

    assert iins(1) == iins(1)
    assert iins(1) != iins(2)


@pytest.mark.django_db
def test_it_leaves_a_few_free_places_in_every_group_and_never_overfills_one():
    seed()

    groups = Group.objects.annotate(
        occupied=Count("seats", filter=Q(seats__source=Seat.Source.EXISTING)),
        holding=Count("seats", filter=Q(seats__state__in=Seat.HOLDING_STATES)),
    )
    assert groups.count() >= SMALL["kindergartens"] * 4
    for group in groups:
        # The demo's own releases (placement.demo.seats) may then use some of the free places, never more.
        assert 1 <= group.capacity - group.occupied <= 4, group
        assert group.holding <= group.capacity, group
    assert set(Group.objects.values_list("cohort", flat=True)) == {2019, 2020, 2021, 2022}
    existing = Seat.objects.filter(source=Seat.Source.EXISTING)
    seats = existing.order_by().values_list("state", "source", "released_at", "occupied_at").distinct()
    moment = at_local(dt.date(2023, 9, 1), dt.time(9, 0))
    assert list(seats) == [(Seat.State.OCCUPIED, Seat.Source.EXISTING, moment, moment)]


@pytest.mark.django_db
def test_it_creates_the_demo_accounts_with_their_roles_and_scopes():
    seed()

    users = {user.username: user for user in User.objects.prefetch_related("kindergartens", "child_links__child")}
    assert users["admin"].role == User.Role.ADMIN
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert users["officer"].role == User.Role.OFFICER
    assert users["officer"].is_staff and not users["officer"].is_superuser
    assert users["officer"].city.slug == "temirtau"
    assert [k.number for k in users["staff"].kindergartens.all()] == [1]
    assert [k.number for k in users["staff2"].kindergartens.all()] == [2]
    for username, children in (("parent", 2), ("parent2", 1)):
        parent = users[username]
        assert parent.role == User.Role.PARENT
        assert 1985 <= parse_iin(parent.iin).birth_date.year <= 1995
        assert re.fullmatch(r"\+7701\d{7}", parent.phone)
        assert parent.phone_confirmed_at is not None
        links = list(parent.child_links.all())
        assert len(links) == children
        assert {(link.relation, link.state) for link in links} == {("parent", "verified")}
    for user in users.values():
        assert user.check_password("indigo-demo")


@pytest.mark.django_db
def test_it_gives_the_demo_parent_an_early_place_in_the_2021_kazakh_queue():
    seed(children=400)

    application = Application.objects.get(child__representative_links__user__username="parent", cohort=2021)
    assert (application.language, application.group_type) == ("kk", "general")
    assert not application.privileges.exists()
    same_market = Application.objects.filter(city=application.city, cohort=2021, language="kk", group_type="general")
    assert same_market.filter(filed_at__lt=application.filed_at).count() <= 3


@pytest.mark.django_db
def test_it_takes_the_demo_password_from_the_environment_without_printing_it(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "kokterek-2024")

    output = seed(children=0, kindergartens=1)

    assert User.objects.get(username="parent").check_password("kokterek-2024")
    assert "kokterek-2024" not in output
    assert "DEMO_PASSWORD" in output


@pytest.mark.django_db
def test_it_keeps_a_demo_account_signed_in_across_runs():
    seed()
    before = User.objects.get(username="parent").password

    seed()

    # The same hash keeps the session's auth hash valid.
    assert User.objects.get(username="parent").password == before


@pytest.mark.django_db
def test_it_refuses_an_empty_demo_password(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "")

    with pytest.raises(CommandError, match="DEMO_PASSWORD is set but empty"):
        seed()


@pytest.mark.django_db
def test_it_loads_a_city_with_one_kindergarten_and_no_queue():
    seed(children=0, kindergartens=1)
    seed(children=0, kindergartens=1)

    assert Kindergarten.objects.count() == 1
    assert Child.objects.count() == 0
    assert SummerWindow.objects.count() == 4
    assert not User.objects.get(username="staff2").kindergartens.exists()
    assert not RepresentativeLink.objects.exists()


@pytest.mark.django_db
def test_it_prints_a_summary_and_the_demo_logins():
    output = seed()

    assert "6 kindergartens" in output
    assert "200 applications" in output
    for username in ("admin", "officer", "staff", "staff2", "parent", "parent2"):
        assert re.search(rf"^  {username}\s", output, re.MULTILINE)
    assert '"indigo-demo"' in output


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--children", "-5"], "--children must be between 0 and 1000000, not -5."),
        (["--children", "abc"], "--children must be a whole number, not 'abc'."),
        (["--kindergartens", "0"], "--kindergartens must be between 1 and 500, not 0."),
        (["--kindergartens", "501"], "--kindergartens must be between 1 and 500, not 501."),
        (["--seed", "1.5"], "--seed must be a whole number, not '1.5'."),
    ],
)
def test_it_rejects_bad_options_in_one_line(args, message):
    with pytest.raises(CommandError) as caught:
        call_command("seed_demo", *args, stdout=StringIO())

    assert str(caught.value) == message
    assert not City.objects.exists()


def test_it_plans_a_few_twins_with_consecutive_serials():
    plans = demo_children_plan(seed=2024, count=3000)

    assert len({plan.iin for plan in plans}) == len(plans)
    twins = [
        (older, younger)
        for older, younger in zip(plans, plans[1:], strict=False)
        if older.birth_date == younger.birth_date and serial(younger.iin) == serial(older.iin) + 1
    ]
    assert 5 <= len(twins) <= 40
    for older, younger in twins:
        assert same_family(older, younger), (older, younger)
        assert older.filed_at == younger.filed_at
        assert older.first_name != younger.first_name


def test_it_plans_privileges_in_realistic_shares():
    plans = demo_children_plan(seed=2024, count=3000)

    tiers = Counter()
    states = Counter()
    for plan in plans:
        if plan.privilege:
            tier = "extraordinary" if plan.privilege.code in {"military", "special_state_bodies"} else "first"
            tiers[tier] += 1
            states[plan.privilege.state] += 1
            assert plan.privilege.claimed_at >= plan.filed_at
            assert (plan.privilege.decided_at is None) == (plan.privilege.state == "pending")
    assert 0.01 <= tiers["extraordinary"] / len(plans) <= 0.035
    assert 0.09 <= tiers["first"] / len(plans) <= 0.15
    assert states["confirmed"] > 4 * states["pending"] > 0
    assert sum(plan.language == "kk" for plan in plans) / len(plans) == pytest.approx(0.65, abs=0.04)
