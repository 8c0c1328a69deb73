"""API for families and kindergartens: children, applications, position, claims, referrals.

Another family's child, application or referral answers 404 (ids cannot be probed); staff
actions on a referral of another kindergarten answer 403.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.ratelimit import rate_limited
from accounts.scoping import can_manage_kindergarten
from indigo import clock
from indigo.choices import GroupType, Language
from indigo.errors import NotAllowed
from indigo.inputs import DateSerializerField, plain_ids
from placement.models import Application, PrivilegeCategory, Referral
from placement.queue import position_report
from placement.scoping import child_ids_of, children_of
from placement.selectors import claimable_seats
from placement.services import referral_departure, referral_enrol, referral_extend, referral_refuse, seats_claim
from placement.services.applications import application_file, application_withdraw
from placement.services.claim_reads import claim_applications
from placement.services.claims import CLAIM_RATE
from vacancies.models import City, Kindergarten
from vacancies.reasons import NOTE_MAX, DepartureReason, RefusalReason


def _my_child_ids(user) -> set[int]:
    return child_ids_of(user)


def _my_application(user, pk: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("city", "child"), pk=pk)
    if application.child_id not in _my_child_ids(user):
        raise Http404
    return application


def _referral(pk: int) -> Referral:
    return get_object_or_404(
        Referral.objects.select_related("seat__group__kindergarten", "application__city", "child"), pk=pk
    )


def _my_referral(user, pk: int) -> Referral:
    referral = _referral(pk)
    if referral.child_id not in _my_child_ids(user):
        raise Http404
    return referral


def _staff_referral(user, pk: int) -> Referral:
    referral = _referral(pk)
    if not can_manage_kindergarten(user, referral.seat.group.kindergarten):
        raise NotAllowed("not_your_kindergarten", _("You can act only on the kindergartens you work in."))
    return referral


class ApplicationOutput(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "city",
            "cohort",
            "language",
            "group_type",
            "desired_start",
            "filed_at",
            "state",
            "stop_listed_until",
        ]


class ReferralOutput(serializers.ModelSerializer):
    kindergarten = serializers.CharField(source="seat.group.kindergarten.name")
    group = serializers.CharField(source="seat.group.name")
    application = serializers.CharField(source="application.reference")

    class Meta:
        model = Referral
        fields = [
            "id",
            "number",
            "state",
            "kindergarten",
            "group",
            "application",
            "issued_at",
            "valid_until",
            "extended_at",
            "token",
        ]


# One DateTimeField for the answers written out below: the API's own format and time zone.
_MOMENT = serializers.DateTimeField()


def moment(value) -> str | None:
    return None if value is None else _MOMENT.to_representation(value)


def referral_answer(referral: Referral) -> dict:
    """ReferralOutput's answer, written out for the claim: building a ModelSerializer's fields for every
    claim cost a tenth of the claim's CPU (docs/performance.md). tests/placement/test_api.py checks that
    the two agree; ReferralOutput stays the described schema and serves the other answers."""
    return {
        "id": referral.pk,
        "number": referral.number,
        "state": referral.state,
        "kindergarten": referral.seat.group.kindergarten.name,
        "group": referral.seat.group.name,
        "application": referral.application.reference,
        "issued_at": moment(referral.issued_at),
        "valid_until": moment(referral.valid_until),
        "extended_at": moment(referral.extended_at),
        "token": referral.token,
    }


class MyChildrenApi(APIView):
    permission_classes = [IsAuthenticated]

    class ChildOutput(serializers.Serializer):
        id = serializers.IntegerField()
        iin = serializers.CharField()
        last_name = serializers.CharField()
        first_name = serializers.CharField()
        birth_date = serializers.DateField()
        applications = ApplicationOutput(many=True, source="applications.all")

    @extend_schema(responses=ChildOutput(many=True))
    def get(self, request):
        children = children_of(request.user).prefetch_related(
            "applications__city", "applications__privileges__category"
        )
        return Response(self.ChildOutput(children, many=True).data)


class ApplicationFileApi(APIView):
    permission_classes = [IsAuthenticated]

    class FileInput(serializers.Serializer):
        child = serializers.IntegerField()
        city = serializers.SlugField()
        language = serializers.ChoiceField(choices=Language.choices)
        group_type = serializers.ChoiceField(choices=GroupType.choices)
        desired_start = DateSerializerField()
        preferred_kindergartens = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=5)
        privilege = serializers.SlugField(required=False)
        evidence = serializers.CharField(required=False, max_length=300, allow_blank=True)

    @extend_schema(request=FileInput, responses={201: ApplicationOutput})
    def post(self, request):
        payload = self.FileInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        child = next((c for c in children_of(request.user) if c.pk == data["child"]), None)
        if child is None:
            raise Http404
        city = get_object_or_404(City, slug=data["city"])
        category = None
        if data.get("privilege"):
            category = get_object_or_404(PrivilegeCategory, city=city, code=data["privilege"])
        application = application_file(
            by=request.user,
            child=child,
            city=city,
            language=data["language"],
            group_type=data["group_type"],
            desired_start=data["desired_start"],
            preferred_kindergartens=list(Kindergarten.objects.filter(pk__in=data.get("preferred_kindergartens", []))),
            privilege_category=category,
            privilege_evidence=data.get("evidence", ""),
            request=request,
        )
        return Response(ApplicationOutput(application).data, status=status.HTTP_201_CREATED)


class ApplicationWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ApplicationOutput)
    def post(self, request, application_id: int):
        application = _my_application(request.user, application_id)
        application = application_withdraw(application=application, by=request.user, request=request)
        return Response(ApplicationOutput(application).data)


class PositionApi(APIView):
    permission_classes = [IsAuthenticated]

    class PositionOutput(serializers.Serializer):
        position = serializers.IntegerField(allow_null=True, source="now")
        previous_position = serializers.IntegerField(allow_null=True, source="then")
        previous_protocol_cutoff = serializers.DateTimeField(allow_null=True, source="then_at")
        reasons = serializers.DictField(child=serializers.IntegerField())

    @extend_schema(responses=PositionOutput)
    def get(self, request, application_id: int):
        application = _my_application(request.user, application_id)
        return Response(self.PositionOutput(position_report(application=application)).data)


class ClaimableSeatsApi(APIView):
    permission_classes = [IsAuthenticated]

    class ClaimableOutput(serializers.Serializer):
        seat = serializers.IntegerField(source="seat.pk")
        kindergarten = serializers.CharField(source="seat.group.kindergarten.name")
        group = serializers.CharField(source="seat.group.name")
        stage = serializers.CharField()
        general_from = serializers.DateTimeField(source="seat.general_from")

    @extend_schema(responses=ClaimableOutput(many=True))
    def get(self, request, application_id: int):
        application = _my_application(request.user, application_id)
        # DRF cannot follow "0.pk" into a tuple: name the (seat, stage) pairs.
        rows = [
            {"seat": seat, "stage": stage} for seat, stage in claimable_seats(application=application, by=request.user)
        ]
        return Response(self.ClaimableOutput(rows, many=True).data)


def plain_claim_ids(data) -> tuple[list[int] | None, list[int] | None]:
    """(applications, seats) of a claim sent as browsers and scripts send it (indigo.inputs.plain_ids);
    None for either list otherwise. tests/placement/test_cabinet_and_api.py compares with ClaimInput."""
    if type(data) is not dict:
        return None, None
    return plain_ids(data.get("applications"), most=4), plain_ids(data.get("seats"), most=4)


class ClaimApi(APIView):
    """One seat for one child, or seats in one group for twins: all or nothing."""

    permission_classes = [IsAuthenticated]

    class ClaimInput(serializers.Serializer):
        seats = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=4)
        applications = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=4)

    @extend_schema(request=ClaimInput, responses={201: ReferralOutput(many=True)})
    @rate_limited("claim", CLAIM_RATE)
    def post(self, request):
        application_ids, seat_ids = plain_claim_ids(request.data)
        if application_ids is None or seat_ids is None:
            # Anything else (strings of digits, a bad value, a missing list) is ClaimInput's to accept or explain.
            payload = self.ClaimInput(data=request.data)
            payload.is_valid(raise_exception=True)
            application_ids, seat_ids = payload.validated_data["applications"], payload.validated_data["seats"]
        # One read each; another family's application answers 404 like any other id that is not yours.
        applications = {a.pk: a for a in claim_applications(application_ids, request.user) if a.claimant_verified}
        if len(applications) != len(set(application_ids)):
            raise Http404
        referrals = seats_claim(
            seats=seat_ids,  # the service reads them (an unknown one answers 404)
            applications=[applications[pk] for pk in application_ids],
            by=request.user,
            request=request,
        )
        return Response([referral_answer(referral) for referral in referrals], status=status.HTTP_201_CREATED)


class ReferralApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReferralOutput)
    def get(self, request, referral_id: int):
        return Response(ReferralOutput(_my_referral(request.user, referral_id)).data)


class ReferralVerifyApi(APIView):
    """What the QR code proves: validity and initials for anyone; the child for the kindergarten's staff."""

    permission_classes = [AllowAny]

    class VerifyOutput(serializers.Serializer):
        number = serializers.CharField()
        valid = serializers.BooleanField()
        state = serializers.CharField()
        kindergarten = serializers.CharField()
        child = serializers.CharField()
        valid_until = serializers.DateTimeField()

    @extend_schema(responses=VerifyOutput)
    def get(self, request, token: str):
        referral = get_object_or_404(Referral.objects.select_related("seat__group__kindergarten", "child"), token=token)
        kindergarten = referral.seat.group.kindergarten
        staff = can_manage_kindergarten(request.user, kindergarten)
        return Response(
            self.VerifyOutput(
                {
                    "number": referral.number,
                    "valid": referral.is_active_at(clock.now()),
                    "state": referral.state,
                    "kindergarten": kindergarten.name,
                    "child": referral.child.full_name if staff else referral.child.initials,
                    "valid_until": referral.valid_until,
                }
            ).data
        )


class ReferralEnrolApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ReferralOutput)
    def post(self, request, referral_id: int):
        referral = referral_enrol(referral=_staff_referral(request.user, referral_id), by=request.user, request=request)
        return Response(ReferralOutput(referral).data)


class RefusalInput(serializers.Serializer):
    # R-P-4: the protocol publishes the reason, so it is a choice ("other" when none); the note never is.
    reason = serializers.ChoiceField(choices=RefusalReason.choices, required=False, default=RefusalReason.OTHER)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class DepartureInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DepartureReason.choices, required=False, default=DepartureReason.OTHER)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class ReferralRefuseApi(APIView):
    """Staff record that the family refused, or the family itself refuses."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefusalInput, responses=ReferralOutput)
    def post(self, request, referral_id: int):
        referral = _referral(referral_id)
        if referral.child_id not in _my_child_ids(request.user):
            referral = _staff_referral(request.user, referral_id)
        # Read after the referral is found to be the caller's: anyone else gets 403/404, not a form error.
        return _referral_end(
            referral_refuse, referral=referral, payload=RefusalInput(data=request.data), request=request
        )


class ReferralExtendApi(APIView):
    permission_classes = [IsAuthenticated]

    class ExtendInput(serializers.Serializer):
        until = DateSerializerField()

    @extend_schema(request=ExtendInput, responses=ReferralOutput)
    def post(self, request, referral_id: int):
        payload = self.ExtendInput(data=request.data)
        payload.is_valid(raise_exception=True)
        referral = referral_extend(
            referral=_staff_referral(request.user, referral_id),
            until=payload.validated_data["until"],
            by=request.user,
            request=request,
        )
        return Response(ReferralOutput(referral).data)


class ReferralDepartureApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DepartureInput, responses=ReferralOutput)
    def post(self, request, referral_id: int):
        referral = _staff_referral(request.user, referral_id)
        return _referral_end(
            referral_departure, referral=referral, payload=DepartureInput(data=request.data), request=request
        )


def _referral_end(service, *, referral, payload, request) -> Response:
    """A refusal or a departure: a reason code and a note, checked, then the service that ends the referral."""
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    referral = service(referral=referral, reason=data["reason"], note=data["note"], by=request.user, request=request)
    return Response(ReferralOutput(referral).data)
