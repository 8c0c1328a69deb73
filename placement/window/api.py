"""The bid API (R-W-3): GET the child's open claim windows with its list, PUT a list (answered with
the list as saved), DELETE it.

Another family's application answers 404, like any id that is not yours; refusals are the service's
{"code", "detail"} answers (400 bad list, 403 not your child, 409 closed / not in the window / not your
turn, 423 blocked).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.ratelimit import rate_limited
from indigo import clock
from indigo.inputs import plain_ids
from placement.api import moment
from placement.models import Application
from placement.queue import Market
from placement.scoping import child_ids_of
from placement.services.claim_reads import claim_applications
from placement.window.bids import bid_place, bid_withdraw, bids_of, windows_open

BID_RATE = "30/m"
# A list longer than any city's K is refused by bid_place in the parent's words; this only bounds the input.
BID_GROUPS_MOST = 20


def _mine(user, pk: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("city", "child"), pk=pk)
    if application.child_id not in child_ids_of(user):
        raise Http404
    return application


class GroupOutput(serializers.Serializer):
    id = serializers.IntegerField(source="group.pk")
    kindergarten = serializers.CharField(source="group.kindergarten.name")
    kindergarten_number = serializers.IntegerField(source="group.kindergarten.number", allow_null=True)
    group = serializers.CharField(source="group.name")
    seats = serializers.IntegerField()


class WindowOutput(serializers.Serializer):
    window = serializers.CharField(source="offer.key")
    stage = serializers.CharField(source="offer.stage")
    opens_at = serializers.DateTimeField(source="offer.opens_at")
    closes_at = serializers.DateTimeField(source="offer.closes_at")
    max_groups = serializers.IntegerField()
    groups = GroupOutput(many=True)
    bid = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    bid_updated_at = serializers.DateTimeField(allow_null=True)


class BidOutput(serializers.Serializer):
    """The list as saved: what a PUT answers (the window's groups are the GET's)."""

    window = serializers.CharField(source="window.key")
    stage = serializers.CharField(source="window.stage")
    closes_at = serializers.DateTimeField(source="window.closes_at")
    applications = serializers.ListField(child=serializers.IntegerField())
    groups = serializers.ListField(child=serializers.IntegerField())
    updated_at = serializers.DateTimeField()


def bid_answer(bids) -> dict:
    """BidOutput's answer for the bids of one list (twins: two rows, one list)."""
    window = bids[0].window
    return {
        "window": window.key,
        "stage": window.stage,
        "closes_at": moment(window.closes_at),
        "applications": [bid.application_id for bid in bids],
        "groups": list(bids[0].groups),
        "updated_at": moment(bids[0].updated_at),
    }


def _mine_for_bid(user, pks: list[int]) -> list[Application]:
    """The applications of a bid in one statement, with whether `user` represents each child and
    whether it holds a referral (what the bid checks); another family's answers 404, as in _mine."""
    applications = {application.pk: application for application in claim_applications(pks, user)}
    if len(applications) != len(set(pks)) or not all(a.claimant_verified for a in applications.values()):
        raise Http404
    return [applications[pk] for pk in pks]


def plain_bid(data) -> dict | None:
    """A bid as browsers and scripts send it, which BidInput would return unchanged: its groups plain
    whole numbers (indigo.inputs.plain_ids), the window a short string, the twin a plain whole number;
    None for anything else, which BidInput accepts or explains. tests/window/test_bid_api.py compares."""
    if type(data) is not dict or plain_ids(data.get("groups"), most=BID_GROUPS_MOST) is None:
        return None
    window, twin = data.get("window"), data.get("twin_application")
    if "window" in data and not (type(window) is str and len(window) <= 200 and window == window.strip()):
        return None
    if "twin_application" in data and not (type(twin) is int and twin >= 1):
        return None
    return {key: data[key] for key in ("window", "groups", "twin_application") if key in data}


class BidApi(APIView):
    """A child's list of groups in an open claim window."""

    permission_classes = [IsAuthenticated]

    class BidInput(serializers.Serializer):
        window = serializers.CharField(required=False, allow_blank=True, max_length=200)
        groups = serializers.ListField(
            child=serializers.IntegerField(min_value=1), min_length=1, max_length=BID_GROUPS_MOST
        )
        twin_application = serializers.IntegerField(required=False, min_value=1)

    def _windows(self, application):
        offers = windows_open(market=Market.of(application), at=clock.now())
        bids = bids_of(application=application, windows=offers)
        rows = []
        for offer in offers:
            bid = bids.get(offer.key)
            rows.append(
                {
                    "offer": offer,
                    "max_groups": application.city.window_max_groups,
                    "groups": [{"group": group, "seats": seats} for group, seats in offer.groups],
                    "bid": bid.groups if bid else None,
                    "bid_updated_at": bid.updated_at if bid else None,
                }
            )
        return WindowOutput(rows, many=True).data

    @extend_schema(responses=WindowOutput(many=True))
    def get(self, request, application_id: int):
        return Response(self._windows(_mine(request.user, application_id)))

    @extend_schema(request=BidInput, responses={200: BidOutput})
    @rate_limited("bid", BID_RATE)
    def put(self, request, application_id: int):
        data = plain_bid(request.data)
        if data is None:
            payload = self.BidInput(data=request.data)
            payload.is_valid(raise_exception=True)
            data = payload.validated_data
        pks = [application_id]
        if data.get("twin_application"):
            pks.append(data["twin_application"])
        bids = bid_place(
            applications=_mine_for_bid(request.user, pks),
            groups=data["groups"],
            window=data.get("window") or None,
            by=request.user,
            request=request,
        )
        # The saved list only: a bid answered with the whole window cost more than the bid itself. Written
        # out (BidOutput is its schema; tests/window/test_bid_api.py checks they agree): building the
        # serializer's fields for every bid cost more than the answer.
        return Response(bid_answer(bids))

    @extend_schema(
        parameters=[OpenApiParameter("window", str, required=False, description="Which open window (its key).")],
        responses={204: None},
    )
    def delete(self, request, application_id: int):
        application = _mine(request.user, application_id)
        bid_withdraw(
            application=application, window=request.query_params.get("window") or None, by=request.user, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
