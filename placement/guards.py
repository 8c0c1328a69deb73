"""Checks every family-side write makes first: the acting user is the child's verified legal
representative (R-A-2) and the cabinet is not blocked (R-A-3)."""

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from accounts.models import RepresentativeLink
from accounts.scoping import active_block
from indigo import clock
from indigo.errors import NotAllowed, ServiceError


class Blocked(ServiceError):
    status = 423


def block_check(user) -> None:
    block = active_block(user)
    if block is not None:
        raise Blocked(
            "blocked",
            _("Your cabinet is blocked until %(until)s: %(reason)s"),
            until=formats.date_format(clock.local_date(block.ends_at)),
            reason=block.reason,
        )


def representative_check(user, child_ids, at: dt.datetime | None = None) -> None:
    block_check(user)
    children = set(child_ids)
    verified = set(
        RepresentativeLink.objects.filter(
            user=user, child_id__in=children, state=RepresentativeLink.State.VERIFIED
        ).values_list("child_id", flat=True)
    )
    if verified != children:
        raise NotAllowed("not_your_child", _("Only the child's verified legal representative may act for the child."))
