"""API views for seats and protocols: one view per operation, thin, calling services and selectors."""

import functools

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from indigo import clock
from indigo.api import CSVRenderer
from indigo.choices import GroupType, Language
from indigo.db_router import public_read
from vacancies.access import Stage
from vacancies.models import City, Group, Protocol, Seat
from vacancies.protocol import protocol_csv, protocol_document
from vacancies.reasons import NOTE_MAX, WithdrawalReason
from vacancies.selectors import RegistryFilters, city_default, registry_seats
from vacancies.services import seat_release, seat_withdraw


def _city(slug: str | None) -> City:
    if slug:
        return get_object_or_404(City, slug=slug)
    city = city_default()
    if city is None:
        raise Http404
    return city


class SeatOutput(serializers.ModelSerializer):
    kindergarten = serializers.SerializerMethodField()
    district = serializers.SerializerMethodField()
    group = serializers.CharField(source="group.name")
    cohort = serializers.IntegerField(source="group.cohort")
    language = serializers.CharField(source="group.language")
    group_type = serializers.CharField(source="group.group_type")
    stage = serializers.CharField()

    class Meta:
        model = Seat
        fields = [
            "id",
            "kindergarten",
            "district",
            "group",
            "cohort",
            "language",
            "group_type",
            "stage",
            "published_at",
            "priority_from",
            "priority_until",
            "general_from",
        ]

    def get_kindergarten(self, seat) -> dict:
        kindergarten = seat.group.kindergarten
        return {
            "id": kindergarten.pk,
            "number": kindergarten.number,
            "name": kindergarten.name,
            "ownership": kindergarten.ownership,
        }

    def get_district(self, seat) -> str:
        return seat.group.kindergarten.district.name

    def to_representation(self, seat) -> dict:
        # The declared fields above stay the schema and the reference; this builds the same dict
        # directly because DRF's generic walk over 12 fields (get_attribute, source lookups) was
        # a fifth of a registry request for its 50 seats. tests/vacancies/test_registry.py checks
        # both give the same output. Dates and times still go through DRF's own fields.
        group = seat.group
        data = {
            "id": seat.pk,
            "kindergarten": self.get_kindergarten(seat),
            "district": self.get_district(seat),
            "group": group.name,
            "cohort": group.cohort,
            "language": group.language,
            "group_type": group.group_type,
            "stage": seat.stage,
        }
        for name in ("published_at", "priority_from", "priority_until", "general_from"):
            value = getattr(seat, name)
            data[name] = None if value is None else self._moments[name].to_representation(value)
        return data

    @functools.cached_property
    def _moments(self) -> dict[str, serializers.Field]:
        return {name: self.fields[name] for name in ("published_at", "priority_from", "priority_until", "general_from")}


@method_decorator(public_read, name="get")
class RegistryApi(APIView):
    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        city = serializers.SlugField(required=False)
        district = serializers.IntegerField(required=False, min_value=1)
        kindergarten = serializers.IntegerField(required=False, min_value=1)
        cohort = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
        language = serializers.ChoiceField(choices=Language.choices, required=False)
        group_type = serializers.ChoiceField(choices=GroupType.choices, required=False)
        stage = serializers.ChoiceField(choices=[Stage.PRIORITY, Stage.GENERAL, Stage.SCHEDULED], required=False)

    @extend_schema(parameters=[FilterSerializer], responses=SeatOutput(many=True))
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        city = _city(data.get("city"))
        filters = RegistryFilters(
            district_id=data.get("district"),
            kindergarten_id=data.get("kindergarten"),
            cohort=data.get("cohort"),
            language=data.get("language"),
            group_type=data.get("group_type"),
            stage=data.get("stage"),
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(registry_seats(city=city, filters=filters, at=clock.now()), request)
        return paginator.get_paginated_response(SeatOutput(page, many=True).data)


class SeatReleaseApi(APIView):
    permission_classes = [IsAuthenticated]

    class ReleaseInputSerializer(serializers.Serializer):
        count = serializers.IntegerField(min_value=1, max_value=200)

    class ReleaseOutputSerializer(serializers.Serializer):
        group = serializers.IntegerField()
        seats = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(request=ReleaseInputSerializer, responses={201: ReleaseOutputSerializer})
    def post(self, request, group_id: int):
        group = get_object_or_404(Group.objects.select_related("kindergarten__city"), pk=group_id)
        payload = self.ReleaseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        seats = seat_release(group=group, count=payload.validated_data["count"], by=request.user, request=request)
        return Response({"group": group.pk, "seats": [seat.pk for seat in seats]}, status=status.HTTP_201_CREATED)


class SeatWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    class WithdrawInputSerializer(serializers.Serializer):
        # R-P-4: the protocol publishes the reason, so it is a choice; the note is never published.
        reason = serializers.ChoiceField(choices=WithdrawalReason.choices)
        note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")

    class WithdrawOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        state = serializers.CharField()
        withdrawn_at = serializers.DateTimeField()

    @extend_schema(request=WithdrawInputSerializer, responses={200: WithdrawOutputSerializer})
    def post(self, request, seat_id: int):
        seat = get_object_or_404(Seat.objects.select_related("group__kindergarten__city"), pk=seat_id)
        payload = self.WithdrawInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        seat = seat_withdraw(seat=seat, reason=data["reason"], note=data["note"], by=request.user, request=request)
        return Response({"id": seat.pk, "state": seat.state, "withdrawn_at": seat.withdrawn_at})


class ProtocolOutput(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Protocol
        fields = [
            "id",
            "city",
            "day",
            "cutoff",
            "previous_cutoff",
            "published_at",
            "entry_count",
            "sha256",
            "previous_sha256",
        ]


@method_decorator(public_read, name="get")
class ProtocolListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[OpenApiParameter("city", str)], responses=ProtocolOutput(many=True))
    def get(self, request):
        city = _city(request.query_params.get("city"))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            Protocol.objects.filter(city=city).select_related("city").order_by("-day"), request
        )
        return paginator.get_paginated_response(ProtocolOutput(page, many=True).data)


@method_decorator(public_read, name="get")
class ProtocolDetailApi(APIView):
    """One protocol as its verifiable JSON document, or as CSV with ?format=csv."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(parameters=[OpenApiParameter("format", str, enum=["json", "csv"])], responses={200: dict})
    def get(self, request, protocol_id: int, format=None):  # noqa: A002 - DRF's name for the suffix
        protocol = get_object_or_404(Protocol.objects.select_related("city"), pk=protocol_id)
        filename = f"protocol-{protocol.city.slug}-{protocol.day}"
        if request.accepted_renderer.format == "csv":
            response = Response(protocol_csv(protocol))
            response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
            return response
        return Response(protocol_document(protocol))
