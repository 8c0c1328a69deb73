from django.urls import path

from accounts import api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("children/", api.ChildListApi.as_view(), name="api-children"),
    path("children/link/", api.ChildLinkApi.as_view(), name="api-child-link"),
    path("children/<int:child_id>/", api.ChildDetailApi.as_view(), name="api-child"),
]
