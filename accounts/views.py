"""Account pages: sign-up with an SMS code, sign-in, password reset, the blocked page, and the
department's pages (link checks, sharing flags, blocks, staff, audit). The parent's children pages
are placement's (placement/family_views.py), at the same /accounts/children/ paths.

A page of an account with no city shows the portal's default city in its header
(vacancies.context_processors.default_city): accounts knows no list of cities (DESIGN §4)."""

import datetime as dt
import ipaddress

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import forms
from accounts.audit_words import audit_entries_describe
from accounts.models import AccountBlock, AccountFlag, AuditLog, RepresentativeLink, User
from accounts.permissions import role_required
from accounts.scoping import active_block, city_rows_visible_to, is_admin, officer_city_id
from accounts.services.blocks import account_block, account_block_lift, account_block_preview, block_end_text
from accounts.services.links import representative_link_decide
from accounts.services.sharing import account_flag_dismiss
from accounts.services.signup import (
    parent_signup_finish,
    parent_signup_resend,
    parent_signup_start,
    password_reset_finish,
    password_reset_start,
)
from accounts.services.staff import staff_create
from indigo import clock
from indigo.confirm import Confirmation, confirm_page, confirmed
from indigo.digits import ascii_digits_or_none
from indigo.errors import ServiceError
from vacancies.scoping import kindergartens_visible_to

BACKEND = "accounts.backends.IdentifierBackend"
SIGNUP_KEY = "accounts.signup"
RESET_KEY = "accounts.reset_phone"
AUDIT_PAGE_SIZE = 50


def _language() -> str:
    return (get_language() or "kk")[:2]


def _city_for(request: HttpRequest):
    """The account's own city, if it has one; otherwise the header shows the default city."""
    user = request.user
    return user.city if user.is_authenticated and user.city_id else None


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


# --- the department ------------------------------------------------------------------------------


def _department_context(request: HttpRequest, section: str, **extra) -> dict:
    city = _city_for(request)
    return {"section": section, **({"city": city} if city else {}), **extra}


@role_required(User.Role.OFFICER)
def department_links(request: HttpRequest) -> HttpResponse:
    pending = (
        city_rows_visible_to(request.user, RepresentativeLink.objects.filter(state=RepresentativeLink.State.PENDING))
        .select_related("user", "child")
        .order_by("created_at")
    )
    decided = (
        city_rows_visible_to(request.user, RepresentativeLink.objects.exclude(state=RepresentativeLink.State.PENDING))
        .exclude(decided_by=None)
        .select_related("user", "child", "decided_by")
        .order_by("-decided_at")[:20]
    )
    context = _department_context(request, "links", pending=pending, decided=decided)
    return render(request, "accounts/department_links.html", context)


@role_required(User.Role.OFFICER)
@require_POST
def department_link_decide(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(city_rows_visible_to(request.user, RepresentativeLink.objects.all()), pk=link_id)
    verify = request.POST.get("decision") == "verify"
    try:
        representative_link_decide(
            link=link, verify=verify, reason=request.POST.get("reason", ""), by=request.user, request=request
        )
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Verified.") if verify else _("Rejected."))
    return redirect("dept-links")


@role_required(User.Role.OFFICER)
def department_flags(request: HttpRequest) -> HttpResponse:
    flags = city_rows_visible_to(request.user, AccountFlag.objects.all()).select_related("user", "decided_by", "city")
    open_flags = list(flags.filter(state=AccountFlag.State.OPEN).order_by("-updated_at"))
    for flag in open_flags:
        flag.signals = [{**signal, "at": dt.datetime.fromisoformat(signal["at"])} for signal in flag.evidence]
    context = _department_context(
        request,
        "flags",
        open_flags=open_flags,
        decided=flags.exclude(state=AccountFlag.State.OPEN).order_by("-decided_at")[:20],
    )
    return render(request, "accounts/department_flags.html", context)


def _block_confirmation(request: HttpRequest, parent: User, *, reason: str, hidden: dict, cancel_url: str, error=None):
    """The second step before a block (issue 12): whose cabinet, until when, and what it takes away."""
    preview = account_block_preview(user=parent)
    facts = [
        (_("Parent"), parent.get_full_name() or parent.username),
        (_("IIN"), parent.iin or "—"),
        (_("Children"), ", ".join(child.full_name for child in preview.children) or "—"),
    ]
    ends = date_format(clock.local_date(preview.ends_at))
    consequences = [
        ngettext(
            "The cabinet is blocked for %(months)s month, until %(date)s: the parent can only read the reason.",
            "The cabinet is blocked for %(months)s months, until %(date)s: the parent can only read the reason.",
            preview.months,
        )
        % {"months": preview.months, "date": ends},
    ]
    if preview.referrals_issued:
        consequences.append(
            _("Referrals cancelled at once (the seats go back to the next protocol): %(numbers)s.")
            % {"numbers": ", ".join(preview.referrals_issued)}
        )
    if preview.referrals_enrolled:
        consequences.append(
            _("Enrolment contracts terminated (the kindergarten is told): %(numbers)s.")
            % {"numbers": ", ".join(preview.referrals_enrolled)}
        )
    consequences += [
        _("The parent is signed out everywhere and gets an SMS with the reason."),
        _("Lifting the block later does not give back cancelled referrals or terminated contracts."),
    ]
    confirmation = Confirmation(
        title=_("Block this cabinet?"),
        facts=facts,
        consequences=consequences,
        button=_("Yes, block the cabinet"),
        cancel_url=cancel_url,
        hidden=hidden,
        ask={"name": "reason", "label": _("Reason the parent will read"), "value": reason, "error": error},
    )
    return confirm_page(request, confirmation, city=_city_for(request))


@role_required(User.Role.OFFICER)
@require_POST
def department_flag_block(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(
        city_rows_visible_to(request.user, AccountFlag.objects.select_related("user", "city")), pk=flag_id
    )
    reason = request.POST.get("reason", "")
    if not confirmed(request):
        return _block_confirmation(request, flag.user, reason=reason, hidden={}, cancel_url=reverse("dept-flags"))
    try:
        block = account_block(user=flag.user, reason=reason, by=request.user, flag=flag, request=request)
    except ServiceError as error:
        if error.code.startswith("reason_"):
            cancel_url = reverse("dept-flags")
            return _block_confirmation(
                request, flag.user, reason=reason, hidden={}, cancel_url=cancel_url, error=error.detail
            )
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The cabinet is blocked until %(date)s.") % {"date": block_end_text(block)})
    return redirect("dept-flags")


@role_required(User.Role.OFFICER)
@require_POST
def department_flag_dismiss(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(city_rows_visible_to(request.user, AccountFlag.objects.all()), pk=flag_id)
    try:
        account_flag_dismiss(flag=flag, note=request.POST.get("reason", ""), by=request.user, request=request)
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The flag is dismissed."))
    return redirect("dept-flags")


@role_required(User.Role.OFFICER)
def department_blocks(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    blocks = city_rows_visible_to(request.user, AccountBlock.objects.all()).select_related(
        "user", "created_by", "lifted_by"
    )
    form = forms.BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # DigitsField has read any script's digits as 0-9: the officer finds the parent however it was typed.
        parent = User.objects.filter(iin=form.cleaned_data["iin"].strip(), role=User.Role.PARENT).first()
        reason = request.POST.get("reason", "")
        try:
            if parent is None:
                raise ServiceError("parent_not_found", _("No parent's account has this IIN."))
            if not confirmed(request):
                hidden = {"iin": parent.iin}
                return _block_confirmation(
                    request, parent, reason=reason, hidden=hidden, cancel_url=reverse("dept-blocks")
                )
            block = account_block(user=parent, reason=reason, by=request.user, request=request)
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("The cabinet is blocked until %(date)s.") % {"date": block_end_text(block)})
            return redirect("dept-blocks")
    context = _department_context(
        request,
        "blocks",
        form=form,
        active=blocks.filter(lifted_at__isnull=True, ends_at__gt=now).order_by("ends_at"),
        ended=blocks.filter(Q(lifted_at__isnull=False) | Q(ends_at__lte=now)).order_by("-starts_at")[:20],
    )
    return render(request, "accounts/department_blocks.html", context)


@role_required(User.Role.OFFICER)
@require_POST
def department_block_lift(request: HttpRequest, block_id: int) -> HttpResponse:
    block = get_object_or_404(city_rows_visible_to(request.user, AccountBlock.objects.all()), pk=block_id)
    try:
        account_block_lift(block=block, reason=request.POST.get("reason", ""), by=request.user, request=request)
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The block is lifted."))
    return redirect("dept-blocks")


@role_required(User.Role.OFFICER)
def department_staff(request: HttpRequest) -> HttpResponse:
    kindergartens = kindergartens_visible_to(request.user).order_by("number", "name_ru")
    form = forms.StaffCreateForm(request.POST or None, kindergartens=kindergartens)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = staff_create(
                by=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                kindergartens=data["kindergartens"],
                phone=data["phone"],
                email=data["email"],
                request=request,
            )
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("Account %(login)s is made.") % {"login": member.username})
            return redirect("dept-staff")
    members = (
        User.objects.filter(role=User.Role.STAFF, kindergartens__in=kindergartens)
        .distinct()
        .prefetch_related("kindergartens")
        .order_by("last_name", "username")
    )
    context = _department_context(request, "staff", form=form, members=members)
    return render(request, "accounts/department_staff.html", context)


@role_required(User.Role.OFFICER)
def department_audit(request: HttpRequest) -> HttpResponse:
    form = forms.AuditSearchForm(request.GET or None)
    entries = city_rows_visible_to(request.user, AuditLog.objects.all()).select_related("actor", "city")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            match = (
                Q(actor__username__iexact=q)
                | Q(actor__iin=ascii_digits_or_none(q) or q)
                | Q(object_id=q)
                | Q(action__istartswith=q)
                | Q(data__identifier=q)
            )
            if _looks_like_ip(q):
                match |= Q(ip=q)
            entries = entries.filter(match)
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["since"]:
            entries = entries.filter(at__gte=clock.at_local(data["since"], dt.time.min))
        if data["until"]:
            entries = entries.filter(at__lt=clock.at_local(data["until"] + dt.timedelta(days=1), dt.time.min))
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(entries.order_by("-at", "-pk"), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = audit_entries_describe(page.object_list)
    context = _department_context(
        request, "audit", form=form, page=page, querystring=query.urlencode(), sees_all=is_admin(request.user)
    )
    return render(request, "accounts/department_audit.html", context)


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@login_required
def department_home(request: HttpRequest) -> HttpResponse:
    if officer_city_id(request.user) is None and not is_admin(request.user):
        raise PermissionDenied
    return redirect("dept-flags")
