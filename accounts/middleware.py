"""A blocked cabinet sees one page: the reason and the end date (R-A-3). Everything else answers 423."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from accounts.scoping import active_block_for_request
from accounts.services.blocks import block_end_text, block_message

# What a blocked user may still open: the block page itself, signing out, switching language.
OPEN_URL_NAMES = frozenset({"blocked", "logout", "set_language"})


class BlockedAccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        block = active_block_for_request(user)
        # Remembered for the API's session authentication, which would otherwise ask again.
        request.account_block = block
        if block is None:
            return self.get_response(request)
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in OPEN_URL_NAMES:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"code": "account_blocked", "detail": block_message(block)}, status=423)
        context = {"account_block": block, "ends_on": block_end_text(block)}
        return render(request, "accounts/blocked.html", context, status=423)
