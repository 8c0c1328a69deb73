"""Public pages beside the registry and the protocols: how it works, kindergartens, summer schedule."""

from django.urls import path

from vacancies import public_views as views

urlpatterns = [
    path("how-it-works/", views.how_it_works, name="how-it-works"),
    path("kindergartens/", views.kindergartens, name="kindergarten-directory"),
    path("schedule/", views.schedule, name="public-schedule"),
]
