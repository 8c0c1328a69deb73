"""Who may see which children, applications and referrals (R-A-1): placement's rules, registered with
accounts.scoping from placement/apps.py so visible_to and can_view answer for these models too.

children_of is the one answer to "whose children are these" for the cabinet, the API and the rules."""

from django.db.models import Case, Exists, OuterRef, QuerySet, When

from accounts.scoping import is_admin, is_blocked, is_officer, is_parent, is_signed_in, is_staff_member, verified_links
from placement.models import Application, Child, Referral
from vacancies.selectors import city_default


def children_of(user) -> QuerySet:
    """The children this user may act for: verified links only (R-A-2), none while the account is
    blocked (R-A-3), youngest last; callers prefetch what they show."""
    if not is_parent(user) or is_blocked(user):
        return Child.objects.none()
    return Child.objects.filter(Exists(verified_links(user).filter(child=OuterRef("pk")))).order_by("birth_date", "pk")


def child_ids_of(user) -> set[int]:
    return set(children_of(user).values_list("pk", flat=True))


def children_visible_to(user) -> QuerySet:
    if not is_signed_in(user):
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
    if not is_signed_in(user):
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
    if not is_signed_in(user):
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


def parent_city(user):
    """A parent's city: of their children's newest application (an active one first), else the
    portal's default city. Registered as accounts.scoping.parent_city's answer."""
    application = (
        Application.objects.filter(Exists(verified_links(user).filter(child=OuterRef("child"))))
        .select_related("city")
        .order_by(Case(When(state=Application.State.ACTIVE, then=0), default=1), "-filed_at")
        .first()
    )
    return application.city if application else city_default()


VISIBILITY = {Child: children_visible_to, Application: applications_visible_to, Referral: referrals_visible_to}
