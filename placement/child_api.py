"""API views about the signed-in account (/api/v1/me/), the children the caller may see and the links
that let a parent act for one (R-A-1, R-A-2), at /api/v1/children/. The account's children are
placement's, so these live here rather than in accounts. They show how the scoping is applied: lists start from
accounts.scoping's querysets (through ScopedQuerysetMixin), so an id that belongs to someone else
answers 404, never the data."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import RepresentativeLink, User
from accounts.permissions import IsParent, ScopedQuerysetMixin
from accounts.ratelimit import rate_limited
from indigo.digits import DigitsSerializerField
from indigo.inputs import DateSerializerField
from placement.models import Application, Child
from placement.scoping import applications_visible_to, children_of
from placement.services.links import representative_link


class ChildApplicationOutput(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Application
        fields = ["id", "reference", "city", "cohort", "language", "group_type", "state", "filed_at", "desired_start"]


class ChildRecordOutput(serializers.ModelSerializer):
    applications = serializers.SerializerMethodField()

    class Meta:
        model = Child
        fields = ["id", "iin", "last_name", "first_name", "patronymic", "birth_date", "sex", "applications"]

    def get_applications(self, child) -> list[dict]:
        user = self.context["request"].user
        visible = applications_visible_to(user).filter(child=child).select_related("city").order_by("-filed_at")
        return ChildApplicationOutput(visible, many=True).data


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class MeOutput(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        role = serializers.ChoiceField(choices=User.Role.choices)
        city = serializers.CharField(allow_null=True)
        children = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(responses=MeOutput)
    def get(self, request):
        user = request.user
        return Response(
            {
                "id": user.pk,
                "username": user.username,
                "role": user.role,
                "city": user.city.slug if user.city_id else None,
                "children": list(children_of(user).values_list("pk", flat=True)),
            }
        )


class ChildListApi(ScopedQuerysetMixin, generics.ListAPIView):
    """Children the caller may see: a parent's own, staff's referred ones, an officer's city's."""

    permission_classes = [IsAuthenticated]
    queryset = Child.objects.order_by("last_name", "first_name", "pk")
    serializer_class = ChildRecordOutput


class ChildDetailApi(ScopedQuerysetMixin, generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    queryset = Child.objects.all()
    serializer_class = ChildRecordOutput
    lookup_url_kwarg = "child_id"


class ChildLinkApi(APIView):
    """A parent adds a child by IIN; a parent link with matching details is verified at once."""

    permission_classes = [IsParent]

    class LinkInput(serializers.Serializer):
        iin = DigitsSerializerField(max_length=12)
        birth_date = DateSerializerField()
        last_name = serializers.CharField(max_length=100)
        first_name = serializers.CharField(max_length=100)
        patronymic = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        relation = serializers.ChoiceField(choices=RepresentativeLink.Relation.choices)
        document = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class LinkOutput(serializers.Serializer):
        id = serializers.IntegerField()
        child = serializers.IntegerField(source="child_id")
        relation = serializers.CharField()
        state = serializers.CharField()

    @extend_schema(request=LinkInput, responses={201: LinkOutput})
    @rate_limited("child-link-api", "30/h")
    def post(self, request):
        payload = self.LinkInput(data=request.data)
        payload.is_valid(raise_exception=True)
        link = representative_link(user=request.user, request=request, **payload.validated_data)
        return Response(self.LinkOutput(link).data, status=status.HTTP_201_CREATED)
