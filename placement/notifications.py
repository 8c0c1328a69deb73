"""Messages to families, sent after commit through Celery so a slow gateway never holds a claim."""

import time

from django.core.cache import cache
from django.db import transaction

# A claim's "referral issued" SMS goes with the other referrals of its second: the first claim after a
# quiet moment schedules one task for NOTICE_BATCH_S later, and the claims until then only find it
# scheduled (a cache key that lives as long). The task sends every referral not yet told, so the claims
# that found it scheduled, all committed before it starts, are in it. Publishing a task per claim was
# an eighth of a claim's CPU in a rush (docs/performance.md). The beat runs the task every minute too,
# for a server that died between a commit and its scheduling.
# Each process also remembers until when the task it last found or scheduled is still to come, so
# its next claims of that second ask Redis nothing (a round trip was a twentieth of a claim's CPU).
NOTICE_BATCH_S = 1
_NOTICE_MARGIN_S = 0.25
_NOTICE_SCHEDULED = "referral-notices:scheduled"
_scheduled_until = [0.0]  # _clock() until which this process knows a task is scheduled
_clock = time.monotonic


def referral_issued_notify(referral_id: int) -> None:
    from indigo.celery import app
    from placement.tasks import notify_referral_issued, notify_referrals_untold

    if app.conf.task_always_eager:
        # Tasks run at once (the demo without a broker, the tests): nothing to gather.
        notify_referral_issued(referral_id)
        return
    now = _clock()
    if now < _scheduled_until[0]:
        return  # this second's task, found or scheduled by this process, has not started yet
    if cache.add(_NOTICE_SCHEDULED, referral_id, timeout=NOTICE_BATCH_S):
        # A little after the key is gone: a claim that found the key committed before the task reads.
        notify_referrals_untold.apply_async(countdown=NOTICE_BATCH_S + _NOTICE_MARGIN_S)
        # This task starts no sooner than NOTICE_BATCH_S + the margin from now: this process's claims
        # until the key is gone commit before it reads, as claims that find the key do.
        _scheduled_until[0] = now + NOTICE_BATCH_S
    else:
        # Another's task: its key lives at most NOTICE_BATCH_S, so it starts no sooner than the margin
        # from now, and a claim of this process until then is in it too.
        _scheduled_until[0] = now + _NOTICE_MARGIN_S


def referrals_issued_notify(issued_at) -> None:
    """Many referrals issued at one moment (a claim window's allocation): the task that sends every
    referral issued since then and not yet told, with no ids in its message (6,000 of them made a
    publish of a quarter of a second)."""
    from placement.tasks import notify_referrals_untold

    notify_referrals_untold.delay(issued_at.isoformat())


def referrals_expired_notify(referral_ids: list[int]) -> None:
    from placement.tasks import notify_referral_expired

    for referral_id in referral_ids:
        transaction.on_commit(lambda pk=referral_id: notify_referral_expired.delay(pk))


def window_unplaced_notify(allocation_id: int, application_ids: list[int]) -> None:
    """R-W-4/R-W-6: the families a window's allocation gave no seat hear it, and that their place stays."""
    from placement.window.tasks import notify_window_unplaced

    notify_window_unplaced.delay(allocation_id, application_ids)
