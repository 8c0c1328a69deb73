"""The console's pages on demand, under /<lang>/department/<city>/ (indigo/urls.py mounts them)."""

from django.urls import path

from placement.department import dashboard, privileges, queue

urlpatterns = [
    path("<slug:city_slug>/", dashboard.department_city, name="department-city"),
    path("<slug:city_slug>/queue/", queue.department_queue, name="department-queue"),
    path("<slug:city_slug>/privileges/", privileges.privileges_page, name="department-privileges"),
    path(
        "<slug:city_slug>/privileges/<int:privilege_id>/confirm/",
        privileges.privilege_decide,
        {"decision": "confirm"},
        name="department-privilege-confirm",
    ),
    path(
        "<slug:city_slug>/privileges/<int:privilege_id>/reject/",
        privileges.privilege_decide,
        {"decision": "reject"},
        name="department-privilege-reject",
    ),
]
