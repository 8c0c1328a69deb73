"""The education department's console, mounted at /<lang>/department/ (see indigo/urls.py)."""

from django.urls import path

from vacancies import department_views as views

urlpatterns = [
    path("", views.department_home, name="department-home"),
    path("<slug:city_slug>/", views.department_city, name="department-city"),
    path("<slug:city_slug>/schedule/", views.schedule_page, name="department-schedule"),
    path("<slug:city_slug>/calendar/", views.calendar_page, name="department-calendar"),
    path("<slug:city_slug>/settings/", views.settings_page, name="department-settings"),
    path("<slug:city_slug>/kindergartens/", views.kindergartens_page, name="department-kindergartens"),
    path("<slug:city_slug>/kindergartens/new/", views.kindergarten_page, name="department-kindergarten-new"),
    path(
        "<slug:city_slug>/kindergartens/<int:kindergarten_id>/",
        views.kindergarten_page,
        name="department-kindergarten",
    ),
    path("<slug:city_slug>/privileges/", views.privileges_page, name="department-privileges"),
    path(
        "<slug:city_slug>/privileges/<int:privilege_id>/confirm/",
        views.privilege_decide,
        {"decision": "confirm"},
        name="department-privilege-confirm",
    ),
    path(
        "<slug:city_slug>/privileges/<int:privilege_id>/reject/",
        views.privilege_decide,
        {"decision": "reject"},
        name="department-privilege-reject",
    ),
    path("<slug:city_slug>/flags/", views.flags_page, name="department-flags"),
    path("<slug:city_slug>/reports/", views.reports_page, name="department-reports"),
    path("<slug:city_slug>/reports/<slug:report>/", views.report_page, name="department-report"),
]
