"""API for the expected wait and its alerts (issue 16): GET the estimate, GET/PUT the alert choices."""

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from placement.api import _my_application
from placement.models import WaitAlert
from placement.queue import position_report
from placement.services.wait_alerts import wait_alert_set
from placement.wait import wait_estimate
from vacancies.release_stats import release_rows_named, release_stats


class KindergartenReleasesOutput(serializers.Serializer):
    kindergarten = serializers.IntegerField(source="row.kindergarten_id")
    name = serializers.CharField()
    seats_released = serializers.IntegerField(source="row.released", help_text="Seats published in the last 12 months.")
    seats_claimed = serializers.IntegerField(source="row.claimed")
    median_hours_to_claim = serializers.FloatField(
        source="row.median_hours",
        allow_null=True,
        help_text="Median time from the moment a seat could be claimed to its referral, in hours.",
    )


class WaitApi(APIView):
    permission_classes = [IsAuthenticated]

    class WaitOutput(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=["estimated", "thin", "beyond", "not_waiting"],
            help_text=(
                "estimated: dates given; thin: too little history in this market to give dates (fewer than "
                "12 placements or less than 12 months of protocols); beyond: more than 3 years at the last "
                "year's pace; not_waiting: the child holds a referral."
            ),
        )
        position = serializers.IntegerField(allow_null=True, help_text="Place in the queue now.")
        placements_last_12_months = serializers.IntegerField(
            source="placements", help_text="Referrals issued in this market (minus those unused), from the protocols."
        )
        per_week = serializers.FloatField(help_text="placements_last_12_months / 52.")
        history_until = serializers.DateField(source="as_of", allow_null=True, help_text="Day of the last protocol.")
        expected = serializers.DateField(allow_null=True, help_text="The day the child's turn most likely comes.")
        low = serializers.DateField(allow_null=True, help_text="Start of the 80 % interval.")
        high = serializers.DateField(
            allow_null=True, help_text="End of the 80 % interval; null with an expected date: beyond 3 years."
        )
        kindergartens = KindergartenReleasesOutput(many=True)

    @extend_schema(
        summary="Expected wait of an application",
        description=(
            "When the child's turn is likely to come, from the published protocols of the last 12 months in "
            "the child's market (city, birth year, language, group type): the next 12 months are assumed to "
            "repeat the last 12 day by day, and the 80 % interval allows for chance and for a busier or "
            "quieter year. Also each kindergarten of the market: seats released in 12 months and the median "
            "time to a claim. 404 before the city's first protocol. Method: docs/wait.md."
        ),
        responses=WaitOutput,
        examples=[
            OpenApiExample(
                "Estimated",
                value={
                    "status": "estimated",
                    "position": 117,
                    "placements_last_12_months": 412,
                    "per_week": 7.9,
                    "history_until": "2024-10-15",
                    "expected": "2025-06-20",
                    "low": "2025-03-11",
                    "high": "2025-09-05",
                    "kindergartens": [
                        {
                            "kindergarten": 12,
                            "name": "№12 «Балапан»",
                            "seats_released": 31,
                            "seats_claimed": 29,
                            "median_hours_to_claim": 14.5,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, application_id: int):
        application = _my_application(request.user, application_id)
        estimate = wait_estimate(application=application, position=position_report(application=application).now)
        if estimate is None:
            raise Http404
        market = (application.cohort, application.language, application.group_type)
        data = {
            **{field: getattr(estimate, field) for field in ("status", "position", "placements", "per_week")},
            "as_of": estimate.as_of,
            "expected": estimate.expected,
            "low": estimate.low,
            "high": estimate.high,
            "kindergartens": release_rows_named(release_stats(city=application.city).get(market, [])),
        }
        return Response(self.WaitOutput(data).data)


class WaitAlertApi(APIView):
    permission_classes = [IsAuthenticated]

    class AlertSerializer(serializers.Serializer):
        by_sms = serializers.BooleanField(default=False)
        by_email = serializers.BooleanField(default=False)
        on_estimate = serializers.BooleanField(
            default=False, help_text="Tell when the expected date moves by more than a week."
        )
        kindergartens = serializers.ListField(
            child=serializers.IntegerField(),
            default=list,
            help_text="Kindergarten ids: tell when one publishes a seat in the child's market.",
        )

    def _out(self, alert: WaitAlert | None) -> dict:
        if alert is None:
            return self.AlertSerializer({}).data
        return self.AlertSerializer(
            {
                "by_sms": alert.by_sms,
                "by_email": alert.by_email,
                "on_estimate": alert.on_estimate,
                "kindergartens": sorted(alert.kindergartens.values_list("pk", flat=True)),
            }
        ).data

    @extend_schema(summary="My wait alert for an application", responses=AlertSerializer)
    def get(self, request, application_id: int):
        application = _my_application(request.user, application_id)
        return Response(self._out(WaitAlert.objects.filter(application=application, user=request.user).first()))

    @extend_schema(
        summary="Set my wait alert for an application (opt-in, SMS and/or e-mail)",
        request=AlertSerializer,
        responses=AlertSerializer,
    )
    def put(self, request, application_id: int):
        application = _my_application(request.user, application_id)
        given = self.AlertSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        expected = None
        if given.validated_data["on_estimate"]:
            estimate = wait_estimate(application=application, position=position_report(application=application).now)
            expected = estimate.expected if estimate else None
        alert = wait_alert_set(
            application=application,
            user=request.user,
            by_sms=given.validated_data["by_sms"],
            by_email=given.validated_data["by_email"],
            on_estimate=given.validated_data["on_estimate"],
            kindergarten_ids=given.validated_data["kindergartens"],
            expected=expected,
        )
        return Response(self._out(alert))
