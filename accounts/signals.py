"""Every login, failed login, lockout and logout is audited (R-A-4); every login leaves a sharing signal (R-A-3).

And the signals accounts sends to the apps above it (DESIGN §4: accounts imports neither vacancies nor
placement, so what a block means for a child's referrals is placement's, told through these).
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from accounts.audit import audit_record
from accounts.identity import find_user
from accounts.models import User
from accounts.scoping import user_city
from accounts.services.sharing import login_signal_end, login_signal_record, sharing_evaluate

# Sent inside the block's transaction (R-A-3), after the block row is written, with user, block, by and
# request. Receivers take away what the account held above accounts (placement cancels the children's
# issued referrals and terminates their enrolments) and return a dict for the block's audit entry. Sent
# with send(), not send_robust(): a receiver's error rolls the whole block back, so no block is half done.
account_blocked = Signal()
# Asked before an officer confirms a block, with user: each receiver returns a dict of what the block
# would take (placement: {"referrals_issued": [...], "referrals_enrolled": [...]}), for the confirm page.
account_block_consequences = Signal()


@receiver(user_logged_in, dispatch_uid="accounts.login")
def on_login(sender, request, user, **kwargs):
    signal = login_signal_record(user=user, request=request)
    audit_record(
        actor=user,
        action="login.success",
        obj=user,
        city=user_city(user),
        request=request,
        data={"network": signal.network, "device": signal.device},
    )
    sharing_evaluate(user=user)


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    identifier = str(credentials.get("username") or "")[:60]
    account = find_user(identifier)
    audit_record(
        actor=None,
        action="login.failure",
        obj=account,
        city=user_city(account),
        request=request,
        data={"identifier": identifier},
    )


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    account = None
    if isinstance(username, str) and username.startswith("user:") and username[5:].isdigit():
        account = User.objects.filter(pk=int(username[5:])).first()
    audit_record(
        actor=None,
        action="login.locked_out",
        obj=account,
        city=user_city(account),
        request=request,
        data={"lockout": username, "ip": ip_address},
    )


@receiver(user_logged_out, dispatch_uid="accounts.logout")
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    session = getattr(request, "session", None)
    login_signal_end(user=user, session_key=session.session_key if session is not None else None)
    audit_record(actor=user, action="logout", obj=user, city=user_city(user), request=request)
