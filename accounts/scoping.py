"""Who may act on what (R-A-1), in one place for pages, API and services alike.

Roles: a parent acts for the children they are the *verified* legal representative of; staff for
the kindergartens listed on their account; an officer for their city; an administrator for all.
A blocked account acts for nobody.

Two kinds of helpers:
- yes/no questions about one object: can_act_for_child, can_view(user, obj), can_manage_kindergarten…
- querysets that hold only what a user may see: visible_to(user, queryset) and the *_visible_to
  functions. Start every list and every detail lookup from them, and a forgotten check shows
  nothing instead of someone else's child (a detail lookup then answers 404).

accounts.permissions wraps these for DRF views; pages call them directly.
"""

from django.db.models import Case, Exists, OuterRef, QuerySet, When

from accounts.models import AccountBlock, AccountFlag, AuditLog, RepresentativeLink, User
from indigo import clock
from placement.models import Application, Child, Referral
from vacancies.models import City, Group, Kindergarten, Seat


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == User.Role.ADMIN))


def is_parent(user) -> bool:
    return _signed_in(user) and user.role == User.Role.PARENT and not is_admin(user)


def is_staff_member(user) -> bool:
    return _signed_in(user) and user.role == User.Role.STAFF


def is_officer(user) -> bool:
    return _signed_in(user) and user.role == User.Role.OFFICER and user.city_id is not None


def officer_city_id(user) -> int | None:
    """The city an officer acts for; None for everybody else (administrators included)."""
    return user.city_id if is_officer(user) else None


# Where a request's user carries its block once the middleware has looked it up, so the API's
# authentication and the services' guards do not ask the database again in the same request.
_REQUEST_MEMO = "_active_block_this_request"


def active_block(user) -> AccountBlock | None:
    """The block in force for this account now, if any (lifted and ended blocks do not count)."""
    if user is None or not getattr(user, "pk", None):
        return None
    memo = getattr(user, _REQUEST_MEMO, None)
    if memo is not None:
        return memo[0]
    now = clock.now()
    return (
        AccountBlock.objects.filter(user_id=user.pk, starts_at__lte=now, ends_at__gt=now, lifted_at__isnull=True)
        .order_by("-ends_at")
        .first()
    )


def active_block_for_request(user) -> AccountBlock | None:
    """active_block, remembered on this request's user object for the rest of the request."""
    block = active_block(user)
    setattr(user, _REQUEST_MEMO, (block,))
    return block


def remember_no_block(user) -> None:
    """The account was read with no block in force (accounts.backends): nobody asks again this request."""
    setattr(user, _REQUEST_MEMO, (None,))


def is_blocked(user) -> bool:
    return active_block(user) is not None


def can_manage_city(user, city) -> bool:
    """Department work for a city: its officers and administrators."""
    if not _signed_in(user):
        return False
    city_id = city.pk if isinstance(city, City) else city
    return is_admin(user) or (city_id is not None and officer_city_id(user) == city_id)


def can_manage_kindergarten(user, kindergarten) -> bool:
    """Staff act on their own kindergartens only; administrators on any."""
    if not _signed_in(user):
        return False
    if is_admin(user):
        return True
    if user.role != User.Role.STAFF:
        return False
    return user.kindergartens.filter(pk=kindergarten.pk).exists()


def can_oversee_kindergarten(user, kindergarten) -> bool:
    """Read a kindergarten's non-public data: its staff, its city's officers, administrators."""
    return can_manage_kindergarten(user, kindergarten) or can_manage_city(user, kindergarten.city_id)


def managed_kindergarten_ids(user) -> set[int] | None:
    """The kindergartens a user manages; None means all of them (administrators)."""
    if is_admin(user):
        return None
    if user.is_authenticated and user.role == User.Role.STAFF:
        return set(user.kindergartens.values_list("pk", flat=True))
    return set()


# --- children and what hangs off them -------------------------------------------------------------


def _verified_link(user) -> QuerySet:
    return RepresentativeLink.objects.filter(user=user, state=RepresentativeLink.State.VERIFIED)


def children_of(user) -> QuerySet:
    """The children this user may act for: verified links only, none while the account is blocked."""
    if not is_parent(user) or is_blocked(user):
        return Child.objects.none()
    return Child.objects.filter(Exists(_verified_link(user).filter(child=OuterRef("pk"))))


def can_act_for_child(user, child) -> bool:
    """File, claim, refuse for a child: its verified legal representative, not blocked (R-A-2, R-A-3)."""
    if not is_parent(user) or child is None:
        return False
    return _verified_link(user).filter(child_id=child.pk).exists() and not is_blocked(user)


def children_visible_to(user) -> QuerySet:
    if not _signed_in(user):
        return Child.objects.none()
    if is_admin(user):
        return Child.objects.all()
    if is_parent(user):
        return children_of(user)
    if is_officer(user):
        return Child.objects.filter(Exists(Application.objects.filter(child=OuterRef("pk"), city_id=user.city_id)))
    if is_staff_member(user):
        return Child.objects.filter(
            Exists(
                Referral.objects.filter(child=OuterRef("pk"), seat__group__kindergarten__in=user.kindergartens.all())
            )
        )
    return Child.objects.none()


def applications_visible_to(user) -> QuerySet:
    """A second representative of the same child sees the same application."""
    if not _signed_in(user):
        return Application.objects.none()
    if is_admin(user):
        return Application.objects.all()
    if is_parent(user):
        return Application.objects.filter(child__in=children_of(user))
    if is_officer(user):
        return Application.objects.filter(city_id=user.city_id)
    if is_staff_member(user):
        return Application.objects.filter(
            Exists(
                Referral.objects.filter(
                    application=OuterRef("pk"), seat__group__kindergarten__in=user.kindergartens.all()
                )
            )
        )
    return Application.objects.none()


def referrals_visible_to(user) -> QuerySet:
    if not _signed_in(user):
        return Referral.objects.none()
    if is_admin(user):
        return Referral.objects.all()
    if is_parent(user):
        return Referral.objects.filter(child__in=children_of(user))
    if is_officer(user):
        return Referral.objects.filter(application__city_id=user.city_id)
    if is_staff_member(user):
        return Referral.objects.filter(seat__group__kindergarten__in=user.kindergartens.all())
    return Referral.objects.none()


def kindergartens_visible_to(user) -> QuerySet:
    """Kindergartens whose internal data (groups, seats, staff, reports) a user may read."""
    if not _signed_in(user):
        return Kindergarten.objects.none()
    if is_admin(user):
        return Kindergarten.objects.all()
    if is_officer(user):
        return Kindergarten.objects.filter(city_id=user.city_id)
    if is_staff_member(user):
        return user.kindergartens.all()
    return Kindergarten.objects.none()


def seats_visible_to(user) -> QuerySet:
    """Every seat with its history (the public registry shows open seats through its own selector)."""
    kindergartens = kindergartens_visible_to(user)
    if is_admin(user):
        return Seat.objects.all()
    return Seat.objects.filter(group__kindergarten__in=kindergartens)


def groups_visible_to(user) -> QuerySet:
    if is_admin(user):
        return Group.objects.all()
    return Group.objects.filter(kindergarten__in=kindergartens_visible_to(user))


def city_rows_visible_to(user, queryset: QuerySet, city_path: str = "city") -> QuerySet:
    """Department rows with a city (audit entries, flags, blocks, links): the officer's city, admins all."""
    if is_admin(user):
        return queryset
    city_id = officer_city_id(user)
    if city_id is None:
        return queryset.none()
    return queryset.filter(**{city_path: city_id})


_VISIBLE = {
    Child: children_visible_to,
    Application: applications_visible_to,
    Referral: referrals_visible_to,
    Kindergarten: kindergartens_visible_to,
    Group: groups_visible_to,
    Seat: seats_visible_to,
}
_CITY_ROWS = (AuditLog, AccountFlag, AccountBlock, RepresentativeLink)


def visible_to(user, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed to what `user` may see. A model not listed here is refused, never passed through."""
    model = queryset.model
    if model in _VISIBLE:
        return queryset.filter(pk__in=_VISIBLE[model](user).values("pk"))
    if model in _CITY_ROWS:
        return city_rows_visible_to(user, queryset)
    raise TypeError(f"accounts.scoping has no visibility rule for {model.__name__}; add one.")


def can_view(user, obj) -> bool:
    """Object-level read check for any scoped object (one query)."""
    if obj is None:
        return False
    return visible_to(user, type(obj).objects.filter(pk=obj.pk)).exists()


def parent_city(user) -> City | None:
    """A parent's city: of their children's newest application, else the portal's default city."""
    from vacancies.selectors import city_default

    application = (
        Application.objects.filter(
            Exists(
                RepresentativeLink.objects.filter(
                    user=user, child=OuterRef("child"), state=RepresentativeLink.State.VERIFIED
                )
            )
        )
        .select_related("city")
        .order_by(Case(When(state=Application.State.ACTIVE, then=0), default=1), "-filed_at")
        .first()
    )
    return application.city if application else city_default()


def user_city(user) -> City | None:
    """The city whose department answers for this account (audit and flag scoping)."""
    if user is None or not getattr(user, "pk", None):
        return None
    if user.role in (User.Role.OFFICER, User.Role.ADMIN) and user.city_id:
        return user.city
    if user.role == User.Role.STAFF:
        kindergarten = user.kindergartens.select_related("city").first()
        return kindergarten.city if kindergarten else user.city
    if user.role == User.Role.PARENT:
        return parent_city(user)
    return user.city
