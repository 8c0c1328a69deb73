"""R-Q-5: the department confirms or rejects a claimed privilege, once, with a reason for a rejection."""

import datetime as dt

import pytest

from accounts.models import AuditLog
from indigo.clock import at_local
from indigo.errors import Conflict, NotAllowed, ServiceError
from placement.models import Privilege
from placement.services.privileges import privilege_confirm, privilege_reject
from tests.factories import ApplicationFactory, PrivilegeCategoryFactory


@pytest.fixture
def privilege(city):
    application = ApplicationFactory(city=city)
    return Privilege.objects.create(
        application=application,
        category=PrivilegeCategoryFactory(city=city),
        evidence="Certificate of a large family No. 123",
        claimed_at=at_local(dt.date(2024, 5, 2), dt.time(10, 0)),
    )


def test_it_confirms_and_audits(privilege, officer):
    privilege_confirm(privilege=privilege, by=officer)
    privilege.refresh_from_db()
    assert privilege.state == Privilege.State.CONFIRMED
    assert privilege.decided_by == officer
    assert privilege.decided_at is not None
    audit = AuditLog.objects.get(action="privilege.confirmed")
    assert audit.data["application"] == privilege.application.reference


def test_it_rejects_with_the_reason_the_parent_reads(privilege, officer):
    privilege_reject(privilege=privilege, reason="The certificate expired in 2023", by=officer)
    privilege.refresh_from_db()
    assert (privilege.state, privilege.decision_reason) == ("rejected", "The certificate expired in 2023")
    assert AuditLog.objects.filter(action="privilege.rejected").exists()


def test_it_wants_a_reason_to_reject(privilege, officer):
    with pytest.raises(ServiceError) as refused:
        privilege_reject(privilege=privilege, reason=" ", by=officer)
    assert refused.value.code == "reason_required"
    assert Privilege.objects.get(pk=privilege.pk).state == "pending"


def test_it_decides_only_once(privilege, officer):
    privilege_confirm(privilege=privilege, by=officer)
    with pytest.raises(Conflict) as refused:
        privilege_reject(privilege=privilege, reason="Too late", by=officer)
    assert refused.value.code == "privilege_already_decided"
    assert Privilege.objects.get(pk=privilege.pk).state == "confirmed"


def test_it_refuses_an_officer_of_another_city(privilege, outsider):
    with pytest.raises(NotAllowed):
        privilege_confirm(privilege=privilege, by=outsider)
    assert Privilege.objects.get(pk=privilege.pk).state == "pending"
