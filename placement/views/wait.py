"""The cabinet's wait-alert form (issue 16, item 4); the estimate itself is shown by placement/_wait.html."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indigo.errors import ServiceError
from indigo.forms import date_parse
from indigo.inputs import query_int_list
from placement.models import Application
from placement.scoping import child_ids_of
from placement.services.wait_alerts import wait_alert_set


@login_required
@require_POST
def wait_alerts(request: HttpRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.select_related("city"), pk=application_id)
    if application.child_id not in child_ids_of(request.user):
        raise Http404
    try:
        wait_alert_set(
            application=application,
            user=request.user,
            by_sms="by_sms" in request.POST,
            by_email="by_email" in request.POST,
            on_estimate="on_estimate" in request.POST,
            # Numbers through indigo/inputs.py: '²' passes str.isdigit() but not int().
            kindergarten_ids=query_int_list(request.POST, "kindergarten"),
            expected=date_parse(request.POST.get("expected", "")),
        )
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your alert choices are saved."))
    return redirect("cabinet")
