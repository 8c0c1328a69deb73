import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indigo.settings")
application = get_wsgi_application()

from indigo.workdays import national_calendar_warm  # noqa: E402 - after Django is set up

national_calendar_warm()
