"""A family's own child, application and referral; another family's answer 404, so ids cannot be probed."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from placement.models import Application, Child, Referral
from placement.scoping import children_of


def my_child(user, child_id: int) -> Child:
    # Another family's child answers 404, so ids cannot be probed.
    for child in children_of(user):
        if child.pk == child_id:
            return child
    raise Http404


def my_application(user, application_id: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("city", "child"), pk=application_id)
    my_child(user, application.child_id)
    return application


def my_referral(user, referral_id: int) -> Referral:
    referral = get_object_or_404(
        Referral.objects.select_related("seat__group__kindergarten__district", "application__city", "child"),
        pk=referral_id,
    )
    my_child(user, referral.child_id)
    return referral
