"""Who may act on what (R-A-1), in one place for pages, API and services alike."""

from accounts.models import User


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == User.Role.ADMIN))


def can_manage_kindergarten(user, kindergarten) -> bool:
    """Staff act on their own kindergartens only; administrators on any."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user):
        return True
    if user.role != User.Role.STAFF:
        return False
    return user.kindergartens.filter(pk=kindergarten.pk).exists()


def managed_kindergarten_ids(user) -> set[int] | None:
    """The kindergartens a user manages; None means all of them (administrators)."""
    if is_admin(user):
        return None
    if user.is_authenticated and user.role == User.Role.STAFF:
        return set(user.kindergartens.values_list("pk", flat=True))
    return set()
