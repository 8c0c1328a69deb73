import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indigo.settings")

app = Celery("indigo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _calendar_warm(**_kwargs) -> None:
    """Each worker process loads the public holidays once it starts, not in its first allocation."""
    from indigo.workdays import national_calendar_warm

    national_calendar_warm()
