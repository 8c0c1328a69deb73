from django.apps import AppConfig


class VacanciesConfig(AppConfig):
    name = "vacancies"

    def ready(self):
        from accounts.audit_words import audit_field_labels_register
        from vacancies.city_settings import SETTING_LABELS
        from vacancies.department.kindergartens import GroupForm, KindergartenForm

        # The audit log names a changed rule or field as the console's forms do (issue 12).
        audit_field_labels_register("vacancies.city", SETTING_LABELS)
        audit_field_labels_register("vacancies.kindergarten", KindergartenForm.Meta.labels)
        audit_field_labels_register("vacancies.group", GroupForm.Meta.labels)
