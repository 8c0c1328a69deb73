"""Who may act on what (R-A-1), in one place for pages, API and services alike.

Roles: a parent acts for the children they are the *verified* legal representative of; staff for
the kindergartens listed on their account; an officer for their city; an administrator for all.
A blocked account acts for nobody.

Two kinds of helpers:
- yes/no questions about one object: can_act_for_child, can_view(user, obj), can_manage_kindergarten…
- querysets that hold only what a user may see: visible_to(user, queryset) and the *_visible_to
  functions. Start every list and every detail lookup from them, and a forgotten check shows
  nothing instead of someone else's child (a detail lookup then answers 404).

Each app writes the *_visible_to rules of its own models (vacancies/scoping.py: kindergartens, groups,
seats; placement/scoping.py: children, applications, referrals) and registers them here from its
AppConfig.ready(), so visible_to and can_view answer for every model while accounts, the lowest app
but indigo, imports none above it (DESIGN §4). accounts.permissions wraps these for DRF views; pages
call them directly.
"""

from collections.abc import Callable

from django.db.models import QuerySet

from accounts.models import AccountBlock, AccountFlag, AuditLog, RepresentativeLink, User
from indigo import clock


def is_signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == User.Role.ADMIN))


def is_parent(user) -> bool:
    return is_signed_in(user) and user.role == User.Role.PARENT and not is_admin(user)


def is_staff_member(user) -> bool:
    return is_signed_in(user) and user.role == User.Role.STAFF


def is_officer(user) -> bool:
    return is_signed_in(user) and user.role == User.Role.OFFICER and user.city_id is not None


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
    if not is_signed_in(user):
        return False
    city_id = getattr(city, "pk", city)  # a City row or its id
    return is_admin(user) or (city_id is not None and officer_city_id(user) == city_id)


def can_manage_kindergarten(user, kindergarten) -> bool:
    """Staff act on their own kindergartens only; administrators on any."""
    if not is_signed_in(user):
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


# --- children: the link is accounts'; the child and its applications are placement's ---------------


def verified_links(user) -> QuerySet:
    """The user's verified legal-representative links (R-A-2)."""
    return RepresentativeLink.objects.filter(user=user, state=RepresentativeLink.State.VERIFIED)


def can_act_for_child(user, child) -> bool:
    """File, claim, refuse for a child: its verified legal representative, not blocked (R-A-2, R-A-3)."""
    if not is_parent(user) or child is None:
        return False
    return verified_links(user).filter(child_id=child.pk).exists() and not is_blocked(user)


def city_rows_visible_to(user, queryset: QuerySet, city_path: str = "city") -> QuerySet:
    """Department rows with a city (audit entries, flags, blocks, links): the officer's city, admins all."""
    if is_admin(user):
        return queryset
    city_id = officer_city_id(user)
    if city_id is None:
        return queryset.none()
    return queryset.filter(**{city_path: city_id})


# model -> rule(user) -> the queryset of that model the user may see; filled by the apps' ready().
_VISIBLE: dict[type, Callable[[object], QuerySet]] = {}
_CITY_ROWS = (AuditLog, AccountFlag, AccountBlock, RepresentativeLink)


def visibility_register(model: type, rule: Callable[[object], QuerySet]) -> None:
    """An app's rule for who sees which rows of one of its models (called from its AppConfig.ready())."""
    _VISIBLE[model] = rule


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


# Where a parent belongs, answered by placement (the children's applications), which registers it.
_PARENT_CITY: list[Callable[[object], object]] = []


def parent_city_register(rule: Callable[[object], object]) -> None:
    _PARENT_CITY[:] = [rule]


def parent_city(user):
    """A parent's city: of their children's newest application, else the portal's default city
    (placement/scoping.py); None before placement has registered its rule."""
    return _PARENT_CITY[0](user) if _PARENT_CITY else None


def user_city(user):
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
