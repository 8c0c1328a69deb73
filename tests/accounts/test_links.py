"""R-A-2 legal representatives: a parent with matching details is verified at once; guardians and
foster carers wait for the department; only a verified representative acts for the child."""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.html import escape

from accounts.models import AuditLog, RepresentativeLink
from accounts.scoping import can_act_for_child
from accounts.services.links import representative_link_decide
from indigo.errors import ServiceError
from placement.models import Child
from placement.scoping import applications_visible_to, children_of
from placement.services.links import representative_link
from tests.accounts.conftest import link
from tests.factories import UserFactory, valid_iin

KID_BIRTH = dt.date(2021, 9, 2)


def details(**changes):
    data = {
        "iin": valid_iin(KID_BIRTH, "F"),
        "birth_date": KID_BIRTH,
        "last_name": "Серікова",
        "first_name": "Айша",
        "patronymic": "",
        "relation": "parent",
        "document": "",
    }
    data.update(changes)
    return data


def test_it_creates_the_child_and_verifies_a_parent_with_matching_details(parent, city):
    made = representative_link(user=parent, **details())
    assert made.state == RepresentativeLink.State.VERIFIED
    child = Child.objects.get(iin=made.child.iin)
    assert child.birth_date == KID_BIRTH and child.sex == "F"
    assert can_act_for_child(parent, child)
    assert AuditLog.objects.filter(action="representative_link.request", actor=parent).exists()


def test_it_links_a_second_parent_who_then_sees_the_same_application(parent, other_parent, child, application):
    made = representative_link(user=other_parent, **details(iin=child.iin, birth_date=child.birth_date))
    assert made.state == RepresentativeLink.State.VERIFIED
    assert list(applications_visible_to(other_parent)) == [application]
    assert list(applications_visible_to(parent)) == [application]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_it_refuses_a_birth_date_that_disagrees_with_the_iin(client, parent, language):
    client.force_login(parent)
    data = details(birth_date=dt.date(2021, 9, 3))
    response = client.post(f"/{language}/accounts/children/add/", data)
    with translation.override(language):
        message = translation.gettext("The birth date does not agree with the IIN: check both numbers.")
    assert escape(message).encode() in response.content
    assert not Child.objects.exists()


def test_it_refuses_details_that_do_not_match_the_childs_record(other_parent, child):
    with pytest.raises(ServiceError) as error:
        representative_link(user=other_parent, **details(iin=child.iin, birth_date=child.birth_date, first_name="Дана"))
    assert error.value.code == "child_details_mismatch"
    assert not RepresentativeLink.objects.filter(user=other_parent).exists()


def test_it_ignores_case_and_spaces_in_names(other_parent, child):
    typed = details(iin=child.iin, birth_date=child.birth_date, last_name=" серікова ", first_name="АЙША")
    made = representative_link(user=other_parent, **typed)
    assert made.state == RepresentativeLink.State.VERIFIED


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"iin": "210902500001"}, "iin_checksum"),
        ({"iin": "900515400123", "birth_date": dt.date(1990, 5, 15)}, "child_adult"),
        ({"relation": "guardian"}, "document_required"),
        ({"first_name": "  "}, "child_name_required"),
    ],
)
def test_it_refuses_bad_requests_with_a_stable_code(parent, changes, code):
    with pytest.raises(ServiceError) as error:
        representative_link(user=parent, **details(**changes))
    assert error.value.code == code


def test_it_keeps_a_guardian_waiting_until_the_department_verifies(parent, officer, city, outbox):
    made = representative_link(user=parent, **details(relation="guardian", document="Act 12/2024 of Temirtau akimat"))
    assert made.state == RepresentativeLink.State.PENDING
    assert made.city == city
    assert not can_act_for_child(parent, made.child)
    assert list(children_of(parent)) == []

    representative_link_decide(link=made, verify=True, by=officer)
    made.refresh_from_db()
    assert made.state == RepresentativeLink.State.VERIFIED and made.decided_by == officer
    assert can_act_for_child(parent, made.child)
    assert AuditLog.objects.filter(action="representative_link.verify", actor=officer).exists()


def test_it_lets_an_officer_reject_only_with_a_reason_and_only_in_their_city(parent, officer, outsider):
    made = representative_link(user=parent, **details(relation="foster", document="Court decision 2-114/24"))
    with pytest.raises(ServiceError, match="not_your_city"):
        representative_link_decide(link=made, verify=True, by=outsider)
    with pytest.raises(ServiceError, match="reason_required"):
        representative_link_decide(link=made, verify=False, by=officer)
    representative_link_decide(link=made, verify=False, reason="The act names another person", by=officer)
    made.refresh_from_db()
    assert made.state == RepresentativeLink.State.REJECTED
    with pytest.raises(ServiceError, match="link_decided"):
        representative_link_decide(link=made, verify=True, by=officer)


def test_it_sends_a_third_parent_to_the_department(parent, other_parent, child):
    representative_link(user=other_parent, **details(iin=child.iin, birth_date=child.birth_date))
    third = UserFactory(username="third", iin=valid_iin(dt.date(1985, 1, 1), "M"))
    made = representative_link(user=third, **details(iin=child.iin, birth_date=child.birth_date))
    assert made.state == RepresentativeLink.State.PENDING


def test_it_refuses_a_duplicate_link(parent, child):
    with pytest.raises(ServiceError, match="link_exists"):
        representative_link(user=parent, **details(iin=child.iin, birth_date=child.birth_date))


def test_it_lets_only_parents_link(staff_a):
    with pytest.raises(ServiceError, match="not_a_parent"):
        representative_link(user=staff_a, **details())


def test_it_rate_limits_probing_of_iins(parent):
    for _ in range(10):
        with pytest.raises(ServiceError, match="iin_checksum"):
            representative_link(user=parent, **details(iin="210902500001"))
    with pytest.raises(ServiceError) as error:
        representative_link(user=parent, **details())
    assert error.value.status == 429


def test_it_shows_the_officer_the_pending_links_and_decides_on_the_page(client, parent, officer, outsider):
    made = representative_link(user=parent, **details(relation="guardian", document="Act 7"))
    client.force_login(outsider)
    assert b"Act 7" not in client.get("/en/department/balkhash/links/").content
    assert client.post(f"/en/department/balkhash/links/{made.pk}/decide/", {"decision": "verify"}).status_code == 404
    client.force_login(officer)
    page = client.get("/en/department/temirtau/links/")
    assert b"Act 7" in page.content
    client.post(f"/en/department/temirtau/links/{made.pk}/decide/", {"decision": "verify"})
    made.refresh_from_db()
    assert made.state == RepresentativeLink.State.VERIFIED


def test_it_lists_the_parents_children_with_their_state(client, parent, child):
    pending_kid = representative_link(user=parent, **details(relation="guardian", document="Act 9"))
    client.force_login(parent)
    page = client.get("/en/accounts/children/")
    assert page.status_code == 200
    assert b'data-state="verified"' in page.content and b'data-state="pending"' in page.content
    assert b"TMT-000001" in page.content
    assert pending_kid.child.full_name.encode() in page.content


def test_it_does_not_let_a_pending_link_see_the_application(parent, other_parent, child, application):
    link(other_parent, child, relation="guardian", state=RepresentativeLink.State.PENDING)
    assert list(applications_visible_to(other_parent)) == []
