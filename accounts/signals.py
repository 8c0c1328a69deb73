"""The signals accounts sends to the apps above it. accounts imports neither vacancies nor placement
(DESIGN §4), so what a block means for a child's referrals is placement's, told through these.
Receivers of Django's own login signals are in accounts/receivers.py."""

from django.dispatch import Signal

# Sent inside the block's transaction (R-A-3), after the block row is written, with user, block, by and
# request. Receivers take away what the account held above accounts (placement cancels the children's
# issued referrals and terminates their enrolments) and return a dict for the block's audit entry. Sent
# with send(), not send_robust(): a receiver's error rolls the whole block back, so no block is half done.
account_blocked = Signal()
# Asked before an officer confirms a block, with user: each receiver returns a dict of what the block
# would take (placement: {"referrals_issued": [...], "referrals_enrolled": [...]}), for the confirm page.
account_block_consequences = Signal()
