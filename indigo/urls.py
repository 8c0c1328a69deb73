from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from indigo import views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include("vacancies.api_urls")),
    path("api/v1/", include("placement.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file of its own, so the CSP needs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs.html"),
        name="api-docs",
    ),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("vacancies.urls")),
    path("", include("vacancies.public_urls")),
    # The department console: one door (accounts.department.access), each page in the app whose data it edits.
    path("department/", include("accounts.department.urls")),
    path("department/", include("vacancies.department.urls")),
    path("department/", include("placement.department.urls")),
    path("", include("placement.urls")),
)

# Error pages in the page's language (indigo/views.py); 500 needs neither the database nor a context.
handler400 = "indigo.views.bad_request"
handler403 = "indigo.views.permission_denied"
handler404 = "indigo.views.page_not_found"
handler500 = "indigo.views.server_error"
