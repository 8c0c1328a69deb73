from django.urls import path

from placement import api, child_api, wait_api
from placement.window import api as window_api

urlpatterns = [
    path("me/", child_api.MeApi.as_view(), name="api-me"),
    path("children/", child_api.ChildListApi.as_view(), name="api-children"),
    path("children/link/", child_api.ChildLinkApi.as_view(), name="api-child-link"),
    path("children/<int:child_id>/", child_api.ChildDetailApi.as_view(), name="api-child"),
    path("me/children/", api.MyChildrenApi.as_view(), name="api-my-children"),
    path("applications/", api.ApplicationFileApi.as_view(), name="api-application-file"),
    path(
        "applications/<int:application_id>/withdraw/",
        api.ApplicationWithdrawApi.as_view(),
        name="api-application-withdraw",
    ),
    path("applications/<int:application_id>/position/", api.PositionApi.as_view(), name="api-position"),
    path("applications/<int:application_id>/wait/", wait_api.WaitApi.as_view(), name="api-wait"),
    path("applications/<int:application_id>/wait-alert/", wait_api.WaitAlertApi.as_view(), name="api-wait-alert"),
    path(
        "applications/<int:application_id>/claimable-seats/",
        api.ClaimableSeatsApi.as_view(),
        name="api-claimable-seats",
    ),
    path("applications/<int:application_id>/bid/", window_api.BidApi.as_view(), name="api-bid"),
    path("claims/", api.ClaimApi.as_view(), name="api-claim"),
    path("referrals/<int:referral_id>/", api.ReferralApi.as_view(), name="api-referral"),
    path("referrals/verify/<str:token>/", api.ReferralVerifyApi.as_view(), name="api-referral-verify"),
    path("referrals/<int:referral_id>/enrol/", api.ReferralEnrolApi.as_view(), name="api-referral-enrol"),
    path("referrals/<int:referral_id>/refuse/", api.ReferralRefuseApi.as_view(), name="api-referral-refuse"),
    path("referrals/<int:referral_id>/extend/", api.ReferralExtendApi.as_view(), name="api-referral-extend"),
    path("referrals/<int:referral_id>/departure/", api.ReferralDepartureApi.as_view(), name="api-referral-departure"),
]
