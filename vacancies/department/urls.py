"""The console's pages on supply, under /<lang>/department/<city>/ (indigo/urls.py mounts them)."""

from django.urls import path

from vacancies.department import kindergartens, reports, schedule, settings, workdays

urlpatterns = [
    path("<slug:city_slug>/schedule/", schedule.schedule_page, name="department-schedule"),
    path("<slug:city_slug>/calendar/", workdays.calendar_page, name="department-calendar"),
    path("<slug:city_slug>/settings/", settings.settings_page, name="department-settings"),
    path("<slug:city_slug>/kindergartens/", kindergartens.kindergartens_page, name="department-kindergartens"),
    path("<slug:city_slug>/kindergartens/new/", kindergartens.kindergarten_page, name="department-kindergarten-new"),
    path(
        "<slug:city_slug>/kindergartens/<int:kindergarten_id>/",
        kindergartens.kindergarten_page,
        name="department-kindergarten",
    ),
    path("<slug:city_slug>/reports/", reports.reports_page, name="department-reports"),
    path("<slug:city_slug>/reports/<slug:report>/", reports.report_page, name="department-report"),
]
