"""accounts.scoping (R-A-1): one place that says who sees and changes what, for pages, API and services."""

import datetime as dt

import pytest
from rest_framework.test import APIRequestFactory

from accounts import permissions, scoping
from accounts.models import AccountBlock, AuditLog, User
from indigo import clock
from placement import permissions as placement_permissions
from placement.models import Application, Child, Referral
from tests.accounts.conftest import open_seat
from tests.factories import UserFactory
from vacancies import permissions as vacancies_permissions


@pytest.fixture
def referral(child, application, group_a):
    seat = open_seat(group_a)
    return Referral.objects.create(
        number="R-1",
        seat=seat,
        application=application,
        child=child,
        issued_at=clock.now(),
        valid_until=clock.now() + dt.timedelta(days=7),
    )


def visible(user, model):
    return set(scoping.visible_to(user, model.objects.all()).values_list("pk", flat=True))


def test_it_shows_each_role_only_its_own_children(parent, other_parent, child, other_child, officer, outsider, staff_a):
    assert visible(parent, Child) == {child.pk}
    assert visible(other_parent, Child) == {other_child.pk}
    assert visible(officer, Child) == {child.pk, other_child.pk}
    assert visible(outsider, Child) == set()
    assert visible(staff_a, Child) == set()


def test_it_shows_staff_the_children_referred_to_their_kindergarten(referral, staff_a, staff_b, child):
    assert visible(staff_a, Child) == {child.pk}
    assert visible(staff_a, Referral) == {referral.pk}
    assert visible(staff_a, Application) == {referral.application_id}
    assert visible(staff_b, Referral) == set()


def test_it_lets_only_a_verified_unblocked_representative_act(parent, other_parent, child, officer, staff_a):
    assert scoping.can_act_for_child(parent, child)
    assert not scoping.can_act_for_child(other_parent, child)
    assert not scoping.can_act_for_child(officer, child)
    assert not scoping.can_act_for_child(staff_a, child)
    now = clock.now()
    AccountBlock.objects.create(user=parent, reason="shared", starts_at=now, ends_at=now + dt.timedelta(days=1))
    assert not scoping.can_act_for_child(parent, child)


def test_it_lets_an_administrator_see_everything(child, other_child):
    admin = UserFactory(username="root", role=User.Role.ADMIN)
    assert visible(admin, Child) == {child.pk, other_child.pk}
    assert scoping.can_manage_city(admin, other_child.applications.get().city)


def test_it_refuses_a_model_it_has_no_rule_for(parent):
    with pytest.raises(TypeError, match="no visibility rule"):
        scoping.visible_to(parent, User.objects.all())


def test_it_scopes_department_rows_by_city(officer, outsider, city, other_city):
    AuditLog.objects.create(at=clock.now(), action="x", city=city)
    AuditLog.objects.create(at=clock.now(), action="y", city=other_city)
    assert {e.action for e in scoping.visible_to(officer, AuditLog.objects.all())} == {"x"}
    assert {e.action for e in scoping.visible_to(outsider, AuditLog.objects.all())} == {"y"}


def test_it_gives_an_officer_their_city_and_nobody_else_one(officer, parent, staff_a, city):
    assert scoping.officer_city_id(officer) == city.pk
    assert scoping.officer_city_id(parent) is None
    assert scoping.officer_city_id(staff_a) is None


def test_it_answers_object_permissions_for_drf(parent, other_parent, child, application, referral, staff_a, officer):
    request = APIRequestFactory().get("/")

    def allowed(permission, user, obj):
        request.user = user
        return permission().has_object_permission(request, None, obj)

    assert allowed(placement_permissions.CanActForChild, parent, application)
    assert not allowed(placement_permissions.CanActForChild, other_parent, application)
    assert allowed(permissions.CanViewObject, officer, referral)
    assert not allowed(permissions.CanViewObject, other_parent, referral)
    assert allowed(vacancies_permissions.CanManageKindergarten, staff_a, referral.seat)
    assert not allowed(vacancies_permissions.CanManageKindergarten, officer, referral.seat)
    assert allowed(vacancies_permissions.CanOverseeCity, officer, application)
    assert allowed(vacancies_permissions.CanOverseeCity, officer, referral.seat.group)


def test_it_finds_a_parents_city_from_the_childrens_applications(parent, child, city, other_city, other_parent):
    assert scoping.parent_city(parent) == city
    assert scoping.user_city(other_parent).slug == "temirtau"  # no application: the default city
