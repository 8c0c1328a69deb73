"""Public pages beside the registry and the protocols: home, kindergartens, summer schedule."""

from django.urls import path

from vacancies import public_views as views

urlpatterns = [
    path("", views.home, name="home"),
    path("kindergartens/", views.kindergartens, name="kindergarten-directory"),
    path("schedule/", views.schedule, name="public-schedule"),
]
