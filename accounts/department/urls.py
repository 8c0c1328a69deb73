"""The console's pages on people, under /<lang>/department/<city>/ (indigo/urls.py mounts them)."""

from django.urls import path

from accounts.department import access, audit, blocks, links, staff

urlpatterns = [
    path("", access.department_home, name="department-home"),
    path("<slug:city_slug>/flags/", blocks.flags_page, name="department-flags"),
    path("<slug:city_slug>/flags/<int:flag_id>/block/", blocks.flag_block, name="department-flag-block"),
    path("<slug:city_slug>/flags/<int:flag_id>/dismiss/", blocks.flag_dismiss, name="department-flag-dismiss"),
    path("<slug:city_slug>/blocks/", blocks.blocks_page, name="department-blocks"),
    path("<slug:city_slug>/blocks/<int:block_id>/lift/", blocks.block_lift, name="department-block-lift"),
    path("<slug:city_slug>/links/", links.links_page, name="department-links"),
    path("<slug:city_slug>/links/<int:link_id>/decide/", links.link_decide, name="department-link-decide"),
    path("<slug:city_slug>/staff/", staff.staff_page, name="department-staff"),
    path("<slug:city_slug>/audit/", audit.audit_page, name="department-audit"),
]
