"""Account pages: sign-up with an SMS code, sign-in, password reset and the blocked page. The
department's pages on accounts are in accounts/department/; the parent's children pages are
placement's (placement/views/children.py), at the same /accounts/children/ paths.

A page that names no city shows the portal's default city in its header
(vacancies.context_processors.default_city): accounts knows no list of cities (DESIGN §4)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import forms
from accounts.models import User
from accounts.scoping import active_block, is_admin
from accounts.services.blocks import block_end_text
from accounts.services.signup import (
    parent_signup_finish,
    parent_signup_resend,
    parent_signup_start,
    password_reset_finish,
    password_reset_start,
)
from indigo.errors import ServiceError

BACKEND = "accounts.backends.IdentifierBackend"
SIGNUP_KEY = "accounts.signup"
RESET_KEY = "accounts.reset_phone"
AUDIT_PAGE_SIZE = 50


def _language() -> str:
    return (get_language() or "kk")[:2]


# --- sign-in, sign-up, password reset -------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Where each role works (issue 12); a safe `next` still wins (LoginView checks it first)."""
        user = self.request.user
        if user.role == User.Role.PARENT:
            return _cabinet_url() or reverse("my-children")
        if user.role == User.Role.STAFF:
            return reverse("staff-home")
        if user.role == User.Role.OFFICER or is_admin(user):
            return reverse("department-home")
        return super().get_default_redirect_url()


def _cabinet_url() -> str | None:
    """The family cabinet (queue, claims, referrals) lives in placement; it may not be wired up."""
    try:
        return reverse("cabinet")
    except NoReverseMatch:
        return None


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this when an account or an address has too many failed sign-ins."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pending = parent_signup_start(
                iin=data["iin"],
                phone=data["phone"],
                last_name=data["last_name"],
                first_name=data["first_name"],
                password=data["password1"],
                request=request,
                language=_language(),
            )
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            request.session[SIGNUP_KEY] = pending
            return redirect("signup-confirm")
    return render(request, "accounts/signup.html", {"form": form})


def signup_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SIGNUP_KEY)
    if not pending:
        return redirect("signup")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "resend":
            try:
                parent_signup_resend(pending=pending, request=request)
            except ServiceError as error:
                messages.error(request, error.detail)
            else:
                messages.success(request, _("A new code is on its way."))
            return redirect("signup-confirm")
        if form.is_valid():
            try:
                user = parent_signup_finish(pending=pending, code=form.cleaned_data["code"], request=request)
            except ServiceError as error:
                form.add_error("code", error.detail)
            else:
                del request.session[SIGNUP_KEY]
                login(request, user, backend=BACKEND)
                messages.success(request, _("Welcome! Now add your child to the cabinet."))
                return redirect("child-link")
    context = {"form": form, "phone": pending["phone"]}
    return render(request, "accounts/signup_confirm.html", context)


def password_reset(request: HttpRequest) -> HttpResponse:
    form = forms.ResetStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = password_reset_start(
                identifier=form.cleaned_data["identifier"], request=request, language=_language()
            )
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            # The same answer whether or not an account was found: the page tells nobody who has one.
            request.session[RESET_KEY] = phone
            return redirect("password-reset-confirm")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    if RESET_KEY not in request.session:
        return redirect("password-reset")
    phone = request.session[RESET_KEY]
    # Without the account: its name in a "too similar" error would tell that it exists (the service checks).
    form = forms.ResetFinishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if not phone:
                raise ServiceError("code_missing", _("This code is not valid any more. Ask for a new one."))
            password_reset_finish(
                phone=phone, code=form.cleaned_data["code"], password=form.cleaned_data["password1"], request=request
            )
        except ServiceError as error:
            form.add_error("code", error.detail)
        else:
            del request.session[RESET_KEY]
            messages.success(request, _("Your password is changed. Sign in with the new one."))
            return redirect("login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


def blocked(request: HttpRequest) -> HttpResponse:
    block = active_block(request.user) if request.user.is_authenticated else None
    if block is None:
        return redirect("home")
    return render(request, "accounts/blocked.html", {"account_block": block, "ends_on": block_end_text(block)})
