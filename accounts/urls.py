from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/confirm/", views.signup_confirm, name="signup-confirm"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/confirm/", views.password_reset_confirm, name="password-reset-confirm"),
    path("blocked/", views.blocked, name="blocked"),
    path("department/", views.department_home, name="dept-home"),
    path("department/links/", views.department_links, name="dept-links"),
    path("department/links/<int:link_id>/decide/", views.department_link_decide, name="dept-link-decide"),
    path("department/flags/", views.department_flags, name="dept-flags"),
    path("department/flags/<int:flag_id>/block/", views.department_flag_block, name="dept-flag-block"),
    path("department/flags/<int:flag_id>/dismiss/", views.department_flag_dismiss, name="dept-flag-dismiss"),
    path("department/blocks/", views.department_blocks, name="dept-blocks"),
    path("department/blocks/<int:block_id>/lift/", views.department_block_lift, name="dept-block-lift"),
    path("department/staff/", views.department_staff, name="dept-staff"),
    path("department/audit/", views.department_audit, name="dept-audit"),
]
