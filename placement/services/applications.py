"""Filing and withdrawing applications (R-Q-1, R-Q-4)."""

import datetime as dt

from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from indigo import clock
from indigo.choices import GroupType, Language
from indigo.errors import Conflict, ServiceError
from indigo.locking import locking_atomic, rows_lock
from placement.guards import representative_check
from placement.models import Application, Child, Privilege, PrivilegeCategory, Referral
from vacancies.models import City, Kindergarten

MAX_PREFERRED = 5
PRESCHOOL_YEARS = 7


def _reference(city: City, cohort: int) -> str:
    """Next serial in the city's cohort; the caller holds the city row lock."""
    prefix = f"{city.code}-{cohort % 100:02d}-"
    last = (
        Application.objects.filter(city=city, reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    serial = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{serial:06d}"


def application_file(
    *,
    by,
    child: Child,
    city: City,
    language: str,
    group_type: str,
    desired_start: dt.date,
    preferred_kindergartens: list[Kindergarten] = (),
    privilege_category: PrivilegeCategory | None = None,
    privilege_evidence: str = "",
    privilege_expires: dt.date | None = None,
    request=None,
) -> Application:
    now = clock.now()
    representative_check(by, [child.pk], now)
    today = clock.local_date(now)
    if language not in Language.values:
        raise ServiceError("bad_language", _("Choose Kazakh or Russian as the language of instruction."))
    if group_type not in GroupType.values:
        raise ServiceError("bad_group_type", _("Choose a group type from the list."))
    if not today.year - PRESCHOOL_YEARS < child.birth_date.year <= today.year:
        raise ServiceError("not_preschool", _("The queue is for children of preschool age (up to 6 years)."))
    if desired_start < today - dt.timedelta(days=1):
        raise ServiceError("bad_start", _("The desired start date cannot be in the past."))
    preferred = list(preferred_kindergartens)
    if len(preferred) > MAX_PREFERRED:
        raise ServiceError("too_many_preferred", _("Choose at most %(n)s kindergartens."), n=MAX_PREFERRED)
    if any(k.city_id != city.pk for k in preferred):
        raise ServiceError("wrong_city", _("Preferred kindergartens must be in the same city."))
    if privilege_category is not None:
        if privilege_category.city_id != city.pk or not privilege_category.is_active:
            raise ServiceError("bad_privilege", _("This privilege is not on the city's list."))
        if not privilege_evidence.strip():
            raise ServiceError("evidence_required", _("Name the document that proves the privilege."))
    try:
        with locking_atomic():
            # The city row numbers its applications (_reference): one filing at a time.
            rows_lock(City.objects.only("pk"), [city.pk])
            if Application.objects.filter(child=child, city=city, state=Application.State.ACTIVE).exists():
                raise Conflict("already_queued", _("The child is already in this city's queue."))
            application = Application.objects.create(
                reference=_reference(city, child.birth_date.year),
                child=child,
                city=city,
                cohort=child.birth_date.year,
                language=language,
                group_type=group_type,
                desired_start=desired_start,
                filed_at=now,
                filed_by=by,
            )
            application.preferred_kindergartens.set(preferred)
            if privilege_category is not None:
                Privilege.objects.create(
                    application=application,
                    category=privilege_category,
                    evidence=privilege_evidence.strip()[:300],
                    expires_on=privilege_expires,
                    claimed_at=now,
                )
            audit_record(actor=by, action="application.file", obj=application, city=city, request=request)
    except IntegrityError:
        raise Conflict("already_queued", _("The child is already in this city's queue.")) from None
    return application


def application_withdraw(*, application: Application, by, reason: str = "", request=None) -> Application:
    now = clock.now()
    representative_check(by, [application.child_id], now)
    with locking_atomic():
        [locked] = rows_lock(Application.objects, [application.pk])
        if locked.state != Application.State.ACTIVE:
            raise Conflict("application_closed", _("This application is no longer in the queue."))
        if Referral.objects.filter(application=locked, state=Referral.State.ISSUED).exists():
            raise Conflict("has_referral", _("Refuse the issued referral before leaving the queue."))
        Application.objects.filter(pk=locked.pk).update(state=Application.State.WITHDRAWN, closed_at=now)
        audit_record(
            actor=by,
            action="application.withdraw",
            obj=locked,
            city=locked.city,
            request=request,
            data={"reason": reason},
        )
    application.refresh_from_db()
    return application
