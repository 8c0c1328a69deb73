from django.urls import path

from placement.views import cabinet, children, claims, kindergarten, public, wait
from placement.window import views as window_views

urlpatterns = [
    path("how-it-works/", public.how_it_works, name="how-it-works"),
    # Under /accounts/ where parents have always found them (their code moved from accounts).
    path("accounts/children/", children.my_children, name="my-children"),
    path("accounts/children/add/", children.child_link, name="child-link"),
    path("cabinet/", cabinet.cabinet, name="cabinet"),
    path("cabinet/children/<int:child_id>/apply/", cabinet.apply, name="apply"),
    path("cabinet/applications/<int:application_id>/withdraw/", cabinet.withdraw, name="application-withdraw"),
    path("cabinet/applications/<int:application_id>/claim/<int:seat_id>/", claims.claim, name="claim"),
    path("cabinet/referrals/<int:referral_id>/", claims.referral, name="referral"),
    path("cabinet/applications/<int:application_id>/bid/", window_views.bid_page, name="window-bid"),
    path("cabinet/applications/<int:application_id>/wait-alerts/", wait.wait_alerts, name="wait-alerts"),
    path("cabinet/referrals/<int:referral_id>/refuse/", claims.referral_refuse_by_parent, name="referral-refuse"),
    path("referrals/verify/<str:token>/", kindergarten.referral_verify, name="referral-verify"),
    path("staff/kindergartens/<int:kindergarten_id>/referrals/", kindergarten.staff_referrals, name="staff-referrals"),
    path("staff/referrals/<int:referral_id>/departure/", kindergarten.staff_departure, name="staff-departure"),
]
