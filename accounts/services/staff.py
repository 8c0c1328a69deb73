"""Kindergarten staff accounts, made by their city's department (R-A-1)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.identity import normalize_phone
from accounts.models import User
from accounts.scoping import is_admin, officer_city_id
from indigo.errors import Conflict, NotAllowed, ServiceError


def staff_create(
    *,
    by: User,
    username: str,
    first_name: str,
    last_name: str,
    password: str,
    kindergartens,
    phone: str = "",
    email: str = "",
    request=None,
) -> User:
    """An officer adds staff to kindergartens of their city; the password is checked by the form."""
    city_id = officer_city_id(by)
    if city_id is None and not is_admin(by):
        raise NotAllowed("not_an_officer", _("Only the education department adds kindergarten staff."))
    kindergartens = list(kindergartens)
    if not kindergartens:
        raise ServiceError("kindergarten_required", _("Choose at least one kindergarten."))
    if city_id is not None and any(k.city_id != city_id for k in kindergartens):
        raise NotAllowed("not_your_city", _("You can add staff only to your city's kindergartens."))
    username = (username or "").strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise Conflict("username_taken", _("This login is taken; choose another."))
    normalized = None
    if phone:
        normalized = normalize_phone(phone)
        if normalized is None:
            raise ServiceError("phone_invalid", _("Give a Kazakh mobile number, for example +7 701 234 56 78."))
        if User.objects.filter(phone=normalized).exists():
            raise Conflict("phone_taken", _("This phone number already belongs to an account."))
    with transaction.atomic():
        user = User(
            username=username,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=(email or "").strip(),
            phone=normalized,
            role=User.Role.STAFF,
            city_id=kindergartens[0].city_id,
        )
        user.set_password(password)
        user.save()
        user.kindergartens.set(kindergartens)
        audit_record(
            actor=by,
            action="account.staff_create",
            obj=user,
            city=kindergartens[0].city,
            request=request,
            data={"username": username, "kindergartens": [k.pk for k in kindergartens]},
        )
    return user
