from django.urls import path

from placement import family_views, public_views, views, wait_views
from placement.window import views as window_views

urlpatterns = [
    path("how-it-works/", public_views.how_it_works, name="how-it-works"),
    # Under /accounts/ where parents have always found them (their code moved from accounts).
    path("accounts/children/", family_views.my_children, name="my-children"),
    path("accounts/children/add/", family_views.child_link, name="child-link"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("cabinet/children/<int:child_id>/apply/", views.apply, name="apply"),
    path("cabinet/applications/<int:application_id>/withdraw/", views.withdraw, name="application-withdraw"),
    path("cabinet/applications/<int:application_id>/claim/<int:seat_id>/", views.claim, name="claim"),
    path("cabinet/referrals/<int:referral_id>/", views.referral, name="referral"),
    path("cabinet/applications/<int:application_id>/bid/", window_views.bid_page, name="window-bid"),
    path("cabinet/applications/<int:application_id>/wait-alerts/", wait_views.wait_alerts, name="wait-alerts"),
    path("cabinet/referrals/<int:referral_id>/refuse/", views.referral_refuse_by_parent, name="referral-refuse"),
    path("referrals/verify/<str:token>/", views.referral_verify, name="referral-verify"),
    path("staff/kindergartens/<int:kindergarten_id>/referrals/", views.staff_referrals, name="staff-referrals"),
    path("staff/referrals/<int:referral_id>/departure/", views.staff_departure, name="staff-departure"),
]
