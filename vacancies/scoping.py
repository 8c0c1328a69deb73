"""Who may see which kindergartens, groups and seats (R-A-1): vacancies' rules, registered with
accounts.scoping from vacancies/apps.py so visible_to and can_view answer for these models too."""

from django.db.models import QuerySet

from accounts.scoping import is_admin, is_officer, is_signed_in, is_staff_member
from vacancies.models import Group, Kindergarten, Seat


def kindergartens_visible_to(user) -> QuerySet:
    """Kindergartens whose internal data (groups, seats, staff, reports) a user may read."""
    if not is_signed_in(user):
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


VISIBILITY = {Kindergarten: kindergartens_visible_to, Group: groups_visible_to, Seat: seats_visible_to}
