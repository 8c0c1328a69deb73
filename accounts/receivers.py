"""Every login, failed login, lockout and logout is audited (R-A-4); every login leaves a sharing signal (R-A-3).

The signals accounts itself sends are in accounts/signals.py."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.audit import audit_record
from accounts.identity import find_user
from accounts.models import User
from accounts.scoping import user_city
from accounts.services.sharing import login_signal_end, login_signal_record, sharing_evaluate


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
