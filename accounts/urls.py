from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.department.access import old_console

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/confirm/", views.signup_confirm, name="signup-confirm"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/confirm/", views.password_reset_confirm, name="password-reset-confirm"),
    path("blocked/", views.blocked, name="blocked"),
    # The console moved to /<lang>/department/<city>/ (accounts/department/): old bookmarks follow it.
    path("department/", old_console, name="department-old"),
    path("department/<path:rest>", old_console, name="department-old-page"),
]
