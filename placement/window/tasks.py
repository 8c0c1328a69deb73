"""Celery tasks of the claim window: the allocation at each close, and the word to families without a seat."""

from celery import shared_task
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from indigo import clock
from placement.models import Application
from placement.window.allocation import windows_allocate_due
from placement.window.models import Bid, WindowAllocation


@shared_task(name="placement.window.tasks.allocate_due_windows")
def allocate_due_windows() -> int:
    """Every minute: each window whose close has passed is allocated once (a late run catches up)."""
    return len(windows_allocate_due())


@shared_task(name="placement.window.tasks.notify_window_unplaced")
def notify_window_unplaced(allocation_id: int, application_ids: list[int]) -> int:
    from placement.tasks import _send

    allocation = WindowAllocation.objects.select_related("window").get(pk=allocation_id)
    closes = formats.time_format(allocation.window.closes_at.astimezone(clock.ASTANA), "H:i")
    sent = 0
    for application in Application.objects.filter(pk__in=application_ids).select_related("child"):

        def render(application=application) -> str:
            return _(
                "Indigo: the claim window closing at %(time)s is decided: no group %(child)s listed had a seat left "
                "at the child's place in the queue. The place in the queue is kept; see the reasons in your cabinet."
            ) % {"time": closes, "child": application.child.first_name}

        with transaction.atomic():
            # Only the run that marks the bid sends; a second run waits for the first's mark and skips.
            marked = Bid.objects.filter(
                window_id=allocation.window_id, application=application, unplaced_told_at__isnull=True
            ).update(unplaced_told_at=clock.now())
            if marked:
                sent += _send(application.child_id, render)
    return sent
