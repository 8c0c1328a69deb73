"""API plumbing shared by the apps: stable error codes and a CSV renderer."""

import io

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, renderers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from indigo.errors import ServiceError
from indigo.spreadsheet import csv_writer


def exception_handler(exc, context):
    """Every error answers {"code": stable id, "detail": text in the user's language}."""
    if isinstance(exc, ServiceError):
        return Response({"code": exc.code, "detail": exc.detail}, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "detail": str(_("Some fields are not valid.")), "fields": exc.detail}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {"code": codes if isinstance(codes, str) else exc.default_code, "detail": str(exc.detail)}
    return response


class CSVRenderer(renderers.BaseRenderer):
    """Passes a ready CSV text through; chosen with ?format=csv."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode(self.charset)
        # An error answered to a CSV request: keep it readable.
        buffer = io.StringIO()
        csv_writer(buffer).writerow([data.get("code", "error"), data.get("detail", "")])
        return buffer.getvalue().encode(self.charset)
