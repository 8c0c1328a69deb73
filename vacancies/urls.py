from django.urls import path

from vacancies import views

urlpatterns = [
    path("vacancies/", views.registry, name="registry"),
    path("protocols/", views.protocol_archive, name="protocol-archive"),
    path("protocols/<str:day>/", views.protocol_detail, name="protocol-detail"),
    path("staff/", views.staff_home, name="staff-home"),
    path("staff/kindergartens/<int:kindergarten_id>/", views.staff_kindergarten, name="staff-kindergarten"),
    path("staff/groups/<int:group_id>/release/", views.staff_release, name="staff-release"),
    path("staff/seats/<int:seat_id>/withdraw/", views.staff_withdraw, name="staff-withdraw"),
]
