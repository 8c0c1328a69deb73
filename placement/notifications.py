"""Messages to families, sent after commit through Celery so a slow gateway never holds a claim."""

from django.db import transaction


def referral_issued_notify(referral_id: int) -> None:
    from placement.tasks import notify_referral_issued

    notify_referral_issued.delay(referral_id)


def referrals_issued_notify(referral_ids: list[int]) -> None:
    """Many referrals issued at once (a claim window's allocation): one task for all of them."""
    from placement.tasks import notify_referrals_issued

    notify_referrals_issued.delay(referral_ids)


def referrals_expired_notify(referral_ids: list[int]) -> None:
    from placement.tasks import notify_referral_expired

    for referral_id in referral_ids:
        transaction.on_commit(lambda pk=referral_id: notify_referral_expired.delay(pk))


def window_unplaced_notify(allocation_id: int, application_ids: list[int]) -> None:
    """R-W-4/R-W-6: the families a window's allocation gave no seat hear it, and that their place stays."""
    from placement.window.tasks import notify_window_unplaced

    notify_window_unplaced.delay(allocation_id, application_ids)
