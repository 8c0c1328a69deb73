from django.apps import AppConfig


class VacanciesConfig(AppConfig):
    name = "vacancies"

    def ready(self):
        from accounts.audit_words import audit_field_labels_register
        from accounts.scoping import visibility_register
        from indigo.workdays import overrides_loader_register
        from vacancies import scoping
        from vacancies.calendar import city_overrides
        from vacancies.city_settings import SETTING_LABELS
        from vacancies.department.kindergartens import GroupForm, KindergartenForm

        # The audit log names a changed rule or field as the console's forms do (issue 12).
        audit_field_labels_register("vacancies.city", SETTING_LABELS)
        audit_field_labels_register("vacancies.kindergarten", KindergartenForm.Meta.labels)
        audit_field_labels_register("vacancies.group", GroupForm.Meta.labels)
        # Who sees which kindergartens, groups and seats (accounts.scoping.visible_to).
        for model, rule in scoping.VISIBILITY.items():
            visibility_register(model, rule)
        # Every city's working-day calendar reads the department's days off and working days from here.
        overrides_loader_register(city_overrides)
