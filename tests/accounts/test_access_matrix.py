"""R-A-1 access matrix: every role against every page and endpoint that reads or changes a child, an
application, a referral, a seat, the protocol or a report. Nobody sees or changes another's data.

Every URL name of the URLconf must be classified here (test_it_classifies_every_url_name), so a new
page cannot slip in unchecked. For each route and role the answer's status is checked, a write by a
role that may not make it must leave the database unchanged, and no role that has no right to the
parent's child may find the child's IIN or surname anywhere in an answer.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import AccountFlag, RepresentativeLink
from indigo.clock import at_local
from placement.day_close import day_close
from placement.models import Application, Privilege, Referral, WaitAlert
from placement.services import referral_enrol, seat_claim
from tests.accounts.conftest import link
from tests.factories import ApplicationFactory, ChildFactory, PrivilegeCategoryFactory
from vacancies.models import Seat
from vacancies.services import seat_release

ROLES = ("anonymous", "parent", "other_parent", "staff_a", "staff_b", "officer", "outsider")
# Who may see the parent's child at all: the parent, the city's officer, and kindergarten A's staff
# (the child holds a referral there). Everyone else must never meet its IIN or surname.
ENTITLED = {"parent", "officer", "staff_a"}

OK = {200}
REDIRECT = {302}
LOGIN = {302}  # anonymous on a page: sent to sign in
API_ANON = {401, 403}
DENY = {403, 404}
CREATED = {201}

NOW = at_local(dt.date(2024, 6, 10), dt.time(10, 0))  # Monday: general access open, no August pause


@dataclasses.dataclass
class World:
    city: object
    kindergarten_a: object
    kindergarten_b: object
    group_a: object
    group_b: object
    child: object
    application: object
    second_application: object
    other_child: object
    other_application: object
    referral: object
    enrolled: object
    claim_seat: object
    free_seat: object
    privilege: object
    flag: object
    pending_link: object


@dataclasses.dataclass
class Route:
    method: str
    path: Callable[[World], str]
    expect: dict[str, set[int]]
    data: Callable[[World], dict] | None = None
    # A write: True once the change was made. Roles not allowed must leave it False.
    changed: Callable[[World], bool] | None = None
    json: bool = False


def expect(anonymous=LOGIN, default=DENY, **allowed) -> dict[str, set[int]]:
    result = dict.fromkeys(ROLES, default)
    result["anonymous"] = anonymous
    result.update(allowed)
    return result


def everyone(status=OK) -> dict[str, set[int]]:
    return dict.fromkeys(ROLES, status)


def api(default=DENY, anonymous=API_ANON, **allowed):
    return expect(anonymous=anonymous, default=default, **allowed)


def state(model, pk):
    return lambda w: model.objects.get(pk=pk(w)).state


L = "/en"  # pages are checked in English; language does not change who may see what

MATRIX: dict[str, Route] = {
    # --- accounts: the parent's own children, the department's account pages --------------------
    "my-children": Route("GET", lambda w: f"{L}/accounts/children/", expect(parent=OK, other_parent=OK)),
    "child-link": Route(
        "POST",
        lambda w: f"{L}/accounts/children/add/",
        # The parent already has the child: the form says so. The other parent asks to be a guardian.
        expect(parent=OK, other_parent=REDIRECT),
        data=lambda w: {
            "iin": w.child.iin,
            "birth_date": w.child.birth_date.isoformat(),
            "last_name": w.child.last_name,
            "first_name": w.child.first_name,
            "relation": "guardian",
            "document": "Act 1",
        },
        changed=lambda w: RepresentativeLink.objects.filter(child=w.child, relation="guardian").exists(),
    ),
    # The console moved to /department/<city>/: the old addresses send the city's officer there.
    "department-old": Route("GET", lambda w: f"{L}/accounts/department/", expect(officer={301}, outsider={301})),
    "department-old-page": Route(
        "GET", lambda w: f"{L}/accounts/department/audit/", expect(officer={301}, outsider={301})
    ),
    "api-me": Route("GET", lambda w: "/api/v1/me/", api(default=OK)),
    "api-children": Route("GET", lambda w: "/api/v1/children/", api(default=OK)),
    "api-child": Route("GET", lambda w: f"/api/v1/children/{w.child.pk}/", api(parent=OK, officer=OK, staff_a=OK)),
    "api-child-link": Route(
        "POST",
        lambda w: "/api/v1/children/link/",
        api(parent={409}, other_parent=CREATED),
        data=lambda w: {
            "iin": w.child.iin,
            "birth_date": w.child.birth_date.isoformat(),
            "last_name": w.child.last_name,
            "first_name": w.child.first_name,
            "relation": "foster",
            "document": "Court 5",
        },
        changed=lambda w: RepresentativeLink.objects.filter(child=w.child, relation="foster").exists(),
        json=True,
    ),
    # --- placement: the family cabinet and its API -------------------------------------------------
    "cabinet": Route("GET", lambda w: f"{L}/cabinet/", expect(parent=OK, other_parent=OK, default=OK)),
    "apply": Route("GET", lambda w: f"{L}/cabinet/children/{w.child.pk}/apply/", expect(parent=OK)),
    "application-withdraw": Route(
        "POST",
        lambda w: f"{L}/cabinet/applications/{w.other_application.pk}/withdraw/",
        expect(other_parent=REDIRECT),
        data=lambda w: {"confirmed": "yes"},
        changed=lambda w: Application.objects.get(pk=w.other_application.pk).state == "withdrawn",
    ),
    "claim": Route(
        "POST",
        lambda w: f"{L}/cabinet/applications/{w.other_application.pk}/claim/{w.claim_seat.pk}/",
        expect(other_parent=REDIRECT),
        data=lambda w: {"confirmed": "yes"},
        changed=lambda w: Referral.objects.filter(application=w.other_application).exists(),
    ),
    "window-bid": Route("GET", lambda w: f"{L}/cabinet/applications/{w.application.pk}/bid/", expect(parent=OK)),
    "wait-alerts": Route(
        "POST",
        lambda w: f"{L}/cabinet/applications/{w.other_application.pk}/wait-alerts/",
        expect(other_parent=REDIRECT),
        data=lambda w: {"by_sms": "on", "on_estimate": "on"},
        changed=lambda w: WaitAlert.objects.filter(application=w.other_application).exists(),
    ),
    "referral": Route("GET", lambda w: f"{L}/cabinet/referrals/{w.referral.pk}/", expect(parent=OK)),
    "referral-refuse": Route(
        "POST",
        lambda w: f"{L}/cabinet/referrals/{w.referral.pk}/refuse/",
        expect(parent=REDIRECT),
        data=lambda w: {"confirmed": "yes"},
        changed=lambda w: Referral.objects.get(pk=w.referral.pk).state == "refused",
    ),
    "referral-verify": Route("GET", lambda w: f"{L}/referrals/verify/{w.referral.token}/", everyone()),
    "staff-referrals": Route(
        "GET", lambda w: f"{L}/staff/kindergartens/{w.kindergarten_a.pk}/referrals/", expect(staff_a=OK)
    ),
    "staff-departure": Route(
        "POST",
        lambda w: f"{L}/staff/referrals/{w.enrolled.pk}/departure/",
        expect(staff_a=REDIRECT),
        data=lambda w: {"reason": "moved", "note": "moved to Karaganda", "confirmed": "yes"},
        changed=lambda w: Referral.objects.get(pk=w.enrolled.pk).state == "left",
    ),
    "api-my-children": Route("GET", lambda w: "/api/v1/me/children/", api(default=OK)),
    "api-application-file": Route(
        "POST",
        lambda w: "/api/v1/applications/",
        api(parent={409, 400}),
        data=lambda w: {
            "child": w.child.pk,
            "city": "temirtau",
            "language": "kk",
            "group_type": "general",
            "desired_start": "2024-09-01",
        },
        # The child already has an active application: the parent gets a clear refusal, nobody a new row.
        changed=lambda w: Application.objects.filter(child=w.child).count() > 1,
        json=True,
    ),
    "api-application-withdraw": Route(
        "POST",
        lambda w: f"/api/v1/applications/{w.other_application.pk}/withdraw/",
        api(other_parent=OK),
        changed=lambda w: Application.objects.get(pk=w.other_application.pk).state == "withdrawn",
        json=True,
    ),
    "api-position": Route("GET", lambda w: f"/api/v1/applications/{w.application.pk}/position/", api(parent=OK)),
    "api-wait": Route("GET", lambda w: f"/api/v1/applications/{w.application.pk}/wait/", api(parent=OK)),
    "api-wait-alert": Route("GET", lambda w: f"/api/v1/applications/{w.application.pk}/wait-alert/", api(parent=OK)),
    "api-bid": Route("GET", lambda w: f"/api/v1/applications/{w.application.pk}/bid/", api(parent=OK)),
    "api-claimable-seats": Route(
        "GET", lambda w: f"/api/v1/applications/{w.other_application.pk}/claimable-seats/", api(other_parent=OK)
    ),
    "api-claim": Route(
        "POST",
        lambda w: "/api/v1/claims/",
        api(other_parent=CREATED),
        data=lambda w: {"seats": [w.claim_seat.pk], "applications": [w.other_application.pk]},
        changed=lambda w: Referral.objects.filter(application=w.other_application).exists(),
        json=True,
    ),
    "api-referral": Route("GET", lambda w: f"/api/v1/referrals/{w.referral.pk}/", api(parent=OK)),
    "api-referral-verify": Route("GET", lambda w: f"/api/v1/referrals/verify/{w.referral.token}/", everyone()),
    "api-referral-enrol": Route(
        "POST",
        lambda w: f"/api/v1/referrals/{w.referral.pk}/enrol/",
        api(staff_a=OK),
        changed=lambda w: Referral.objects.get(pk=w.referral.pk).state == "enrolled",
        json=True,
    ),
    "api-referral-refuse": Route(
        "POST",
        lambda w: f"/api/v1/referrals/{w.referral.pk}/refuse/",
        # Whoever comes second finds it refused already.
        api(parent=OK, staff_a={200, 409}),
        data=lambda w: {"reason": "too_far"},
        changed=lambda w: Referral.objects.get(pk=w.referral.pk).state == "refused",
        json=True,
    ),
    "api-referral-extend": Route(
        "POST",
        lambda w: f"/api/v1/referrals/{w.referral.pk}/extend/",
        api(staff_a=OK),
        data=lambda w: {"until": "2024-06-28"},
        changed=lambda w: Referral.objects.get(pk=w.referral.pk).extended_at is not None,
        json=True,
    ),
    "api-referral-departure": Route(
        "POST",
        lambda w: f"/api/v1/referrals/{w.enrolled.pk}/departure/",
        api(staff_a=OK),
        data=lambda w: {"reason": "moved"},
        changed=lambda w: Referral.objects.get(pk=w.enrolled.pk).state == "left",
        json=True,
    ),
    # --- vacancies: the staff seat desk, the seats API, public registry and protocols ---------------
    "staff-home": Route("GET", lambda w: f"{L}/staff/", expect(staff_a=REDIRECT, staff_b=REDIRECT)),
    "staff-kindergarten": Route("GET", lambda w: f"{L}/staff/kindergartens/{w.kindergarten_a.pk}/", expect(staff_a=OK)),
    "staff-release": Route(
        "POST",
        lambda w: f"{L}/staff/groups/{w.group_a.pk}/release/",
        expect(staff_a=REDIRECT),
        data=lambda w: {"count": "1"},
        changed=lambda w: Seat.objects.filter(group=w.group_a).count() > 4,
    ),
    "staff-withdraw": Route(
        "POST",
        lambda w: f"{L}/staff/seats/{w.free_seat.pk}/withdraw/",
        expect(staff_a=REDIRECT),
        data=lambda w: {"reason": "repairs"},
        changed=lambda w: Seat.objects.get(pk=w.free_seat.pk).state == "withdrawn",
    ),
    "api-seat-release": Route(
        "POST",
        lambda w: f"/api/v1/groups/{w.group_a.pk}/release/",
        api(staff_a=CREATED),
        data=lambda w: {"count": 1},
        changed=lambda w: Seat.objects.filter(group=w.group_a).count() > 4,
        json=True,
    ),
    "api-seat-withdraw": Route(
        "POST",
        lambda w: f"/api/v1/seats/{w.free_seat.pk}/withdraw/",
        api(staff_a=OK),
        data=lambda w: {"reason": "repairs"},
        changed=lambda w: Seat.objects.get(pk=w.free_seat.pk).state == "withdrawn",
        json=True,
    ),
    "registry": Route("GET", lambda w: f"{L}/vacancies/", everyone()),
    "protocol-archive": Route("GET", lambda w: f"{L}/protocols/", everyone()),
    "protocol-detail": Route("GET", lambda w: f"{L}/protocols/2024-05-31/", everyone()),
    "api-registry": Route("GET", lambda w: "/api/v1/vacancies/", everyone()),
    "api-protocols": Route("GET", lambda w: "/api/v1/protocols/", everyone()),
    "api-protocol": Route("GET", lambda w: f"/api/v1/protocols/{w.city.protocols.get().pk}/", everyone()),
    # --- the department console (city-scoped) --------------------------------------------------------
    "department-home": Route("GET", lambda w: f"{L}/department/", expect(officer=REDIRECT, outsider=REDIRECT)),
    "department-city": Route("GET", lambda w: f"{L}/department/temirtau/", expect(officer=OK)),
    "department-schedule": Route("GET", lambda w: f"{L}/department/temirtau/schedule/", expect(officer=OK)),
    "department-calendar": Route("GET", lambda w: f"{L}/department/temirtau/calendar/", expect(officer=OK)),
    "department-settings": Route("GET", lambda w: f"{L}/department/temirtau/settings/", expect(officer=OK)),
    "department-kindergartens": Route("GET", lambda w: f"{L}/department/temirtau/kindergartens/", expect(officer=OK)),
    "department-kindergarten-new": Route(
        "GET", lambda w: f"{L}/department/temirtau/kindergartens/new/", expect(officer=OK)
    ),
    "department-kindergarten": Route(
        "GET", lambda w: f"{L}/department/temirtau/kindergartens/{w.kindergarten_a.pk}/", expect(officer=OK)
    ),
    "department-privileges": Route("GET", lambda w: f"{L}/department/temirtau/privileges/", expect(officer=OK)),
    "department-privilege-confirm": Route(
        "POST",
        lambda w: f"{L}/department/temirtau/privileges/{w.privilege.pk}/confirm/",
        expect(officer=REDIRECT),
        changed=lambda w: Privilege.objects.get(pk=w.privilege.pk).state == "confirmed",
    ),
    "department-privilege-reject": Route(
        "POST",
        lambda w: f"{L}/department/temirtau/privileges/{w.privilege.pk}/reject/",
        expect(officer=REDIRECT),
        data=lambda w: {"reason": "no document"},
        changed=lambda w: Privilege.objects.get(pk=w.privilege.pk).state == "rejected",
    ),
    "department-flags": Route("GET", lambda w: f"{L}/department/temirtau/flags/", expect(officer=OK)),
    "department-flag-block": Route(
        "POST",
        lambda w: f"{L}/department/temirtau/flags/{w.flag.pk}/block/",
        expect(officer=REDIRECT),
        data=lambda w: {"reason": "shared", "confirmed": "yes"},
        changed=lambda w: AccountFlag.objects.get(pk=w.flag.pk).state == "blocked",
    ),
    "department-flag-dismiss": Route(
        "POST",
        lambda w: f"{L}/department/temirtau/flags/{w.flag.pk}/dismiss/",
        expect(officer=REDIRECT),
        data=lambda w: {"reason": "family"},
        changed=lambda w: AccountFlag.objects.get(pk=w.flag.pk).state == "dismissed",
    ),
    "department-blocks": Route("GET", lambda w: f"{L}/department/temirtau/blocks/", expect(officer=OK)),
    "department-block-lift": Route(
        "POST",
        lambda w: f"{L}/department/temirtau/blocks/999999/lift/",
        expect(officer={404}),
        data=lambda w: {"reason": "x"},
    ),
    "department-links": Route("GET", lambda w: f"{L}/department/temirtau/links/", expect(officer=OK)),
    "department-link-decide": Route(
        "POST",
        lambda w: f"{L}/department/temirtau/links/{w.pending_link.pk}/decide/",
        expect(officer=REDIRECT),
        data=lambda w: {"decision": "verify"},
        changed=lambda w: RepresentativeLink.objects.get(pk=w.pending_link.pk).state == "verified",
    ),
    "department-staff": Route("GET", lambda w: f"{L}/department/temirtau/staff/", expect(officer=OK)),
    "department-audit": Route("GET", lambda w: f"{L}/department/temirtau/audit/", expect(officer=OK)),
    "department-reports": Route("GET", lambda w: f"{L}/department/temirtau/reports/", expect(officer=OK)),
    "department-report": Route("GET", lambda w: f"{L}/department/temirtau/reports/queue/", expect(officer=OK)),
    "department-queue": Route(
        "GET", lambda w: f"{L}/department/temirtau/queue/?cohort=2021&language=kk", expect(officer=OK)
    ),
}

# Pages and endpoints that hold no one's private data (or are the sign-in machinery itself).
PUBLIC = {
    "set_language",
    "healthz",
    "api-schema",
    "api-docs",
    "home",
    "login",
    "logout",
    "signup",
    "signup-confirm",
    "password-reset",
    "password-reset-confirm",
    "blocked",
    "how-it-works",
    "kindergarten-directory",
    "public-schedule",
}


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":  # the admin has its own scoping: test_it_scopes_the_admin
                continue
            yield from url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_it_classifies_every_url_name():
    names = set(url_names())
    assert None not in names, "every route needs a name to be classified"
    unclassified = names - PUBLIC - set(MATRIX)
    assert not unclassified, f"add these routes to the access matrix: {sorted(unclassified)}"
    assert not (set(MATRIX) - names), f"routes that no longer exist: {sorted(set(MATRIX) - names)}"


@pytest.fixture
def world(city, other_city, kindergarten_a, kindergarten_b, parent, other_parent, staff_a, staff_b, officer, outsider):
    from tests.factories import GroupFactory

    with time_machine.travel(NOW, tick=False):
        group_a = GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=10, name="Балапан")
        group_b = GroupFactory(kindergarten=kindergarten_b, cohort=2021, capacity=10, name="Айгөлек")
        child = ChildFactory(last_name="Серікова", first_name="Айша", birth_date=dt.date(2021, 3, 15), sex="F")
        link(parent, child, city=city)
        application = ApplicationFactory(child=child, city=city, reference="TMT-000001")
        second = ChildFactory(last_name="Сериков", first_name="Мирас", birth_date=dt.date(2021, 1, 20))
        link(parent, second, city=city)
        second_application = ApplicationFactory(child=second, city=city, reference="TMT-000003")
        other_child = ChildFactory(last_name="Болатов", first_name="Ерасыл", birth_date=dt.date(2021, 7, 1))
        link(other_parent, other_child, city=city)
        other_application = ApplicationFactory(child=other_child, city=city, reference="TMT-000002")

        released = at_local(dt.date(2024, 5, 31), dt.time(9, 0))
        seats_a = seat_release(group=group_a, count=4, at=released)
        seats_b = seat_release(group=group_b, count=1, at=released)
        day_close(city=city, cutoff=at_local(dt.date(2024, 5, 31), dt.time(18, 0)))
        referral = seat_claim(seat=seats_a[0], application=application, by=parent)
        enrolled = seat_claim(seat=seats_a[1], application=second_application, by=parent)
        referral_enrol(referral=enrolled, by=staff_a)

        category = PrivilegeCategoryFactory(city=city)
        privilege = Privilege.objects.create(
            application=application, category=category, evidence="Certificate 77", claimed_at=NOW
        )
        flag = AccountFlag.objects.create(
            user=parent, city=city, networks=4, devices=2, threshold=3, evidence=[], created_at=NOW, updated_at=NOW
        )
        guardian = ChildFactory(last_name="Серікова", first_name="Әлия", birth_date=dt.date(2020, 2, 2))
        pending_link = link(parent, guardian, relation="guardian", state="pending", city=city)
        pending_link.document = "Act 3"
        pending_link.save()
    return World(
        city=city,
        kindergarten_a=kindergarten_a,
        kindergarten_b=kindergarten_b,
        group_a=group_a,
        group_b=group_b,
        child=child,
        application=application,
        second_application=second_application,
        other_child=other_child,
        other_application=other_application,
        referral=referral,
        enrolled=enrolled,
        claim_seat=seats_b[0],
        free_seat=seats_a[2],
        privilege=privilege,
        flag=flag,
        pending_link=pending_link,
    )


def client_for(role: str, request) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def call(client: Client, route: Route, world: World):
    path = route.path(world)
    if route.method == "GET":
        return client.get(path)
    data = route.data(world) if route.data else {}
    if route.json:
        return client.post(path, data, content_type="application/json")
    return client.post(path, data)


READS = sorted(name for name, route in MATRIX.items() if route.method == "GET")
WRITES = sorted(name for name, route in MATRIX.items() if route.method != "GET")


def leaks(role: str, response, world: World) -> list[str]:
    if role in ENTITLED:
        return []
    body = response.content.decode("utf-8", "replace")
    return [what for what, secret in (("IIN", world.child.iin), ("surname", world.child.last_name)) if secret in body]


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_every_read_for(role, world, request):
    client = client_for(role, request)
    problems = []
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        for name in READS:
            route = MATRIX[name]
            response = call(client, route, world)
            if response.status_code not in route.expect[role]:
                problems.append(f"{name}: {response.status_code}, expected {sorted(route.expect[role])}")
            elif route.expect[role] is LOGIN and "/accounts/login/" not in response.get("Location", ""):
                problems.append(f"{name}: not sent to sign in")
            problems += [f"{name}: shows the child's {what}" for what in leaks(role, response, world)]
    assert not problems, f"as {role}:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", WRITES)
def test_it_lets_only_the_right_role_write(name, world, request):
    route = MATRIX[name]
    allowed = [role for role in ROLES if route.expect[role] & {200, 201, 302, 400, 409} and role != "anonymous"]
    # Roles that may not write go first: each must leave the world as it was for the next one.
    order = [role for role in ROLES if role not in allowed] + allowed
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        for role in order:
            response = call(client_for(role, request), route, world)
            assert response.status_code in route.expect[role], f"{name} as {role}: {response.status_code}"
            assert not leaks(role, response, world), f"{name}: {role} sees the child"
            if route.changed is not None and role not in allowed:
                assert not route.changed(world), f"{name}: {role} changed what is not theirs"
        if route.changed is not None and name not in ("api-application-file",):
            assert route.changed(world), f"{name}: the allowed role's write did not happen"


def test_it_scopes_the_admin(world, officer, outsider, client):
    client.force_login(officer)
    page = client.get("/en/admin/placement/child/")
    assert page.status_code in (200, 403)
    client.force_login(outsider)
    page = client.get("/en/admin/placement/child/")
    assert world.child.iin.encode() not in page.content
