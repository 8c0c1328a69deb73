from django.urls import path

from vacancies import api

urlpatterns = [
    path("vacancies/", api.RegistryApi.as_view(), name="api-registry"),
    path("groups/<int:group_id>/release/", api.SeatReleaseApi.as_view(), name="api-seat-release"),
    path("seats/<int:seat_id>/withdraw/", api.SeatWithdrawApi.as_view(), name="api-seat-withdraw"),
    path("protocols/", api.ProtocolListApi.as_view(), name="api-protocols"),
    path("protocols/<int:protocol_id>/", api.ProtocolDetailApi.as_view(), name="api-protocol"),
]
