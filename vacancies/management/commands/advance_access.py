from django.core.management.base import BaseCommand, CommandError

from indigo import clock
from indigo.management_helpers import parse_moment
from vacancies.management.cities import cities_named
from vacancies.services import access_moves_record


class Command(BaseCommand):
    help = "Record the seats that reached general access by a moment (default now)."

    def add_arguments(self, parser):
        parser.add_argument("--city", help="City slug (default: every city).")
        parser.add_argument("--at", help="As of this ISO-8601 moment (Astana time if no offset).")

    def handle(self, *args, city=None, at=None, **options):
        now = clock.now()
        until = parse_moment(at) or now
        if until > now:
            # Seats recorded as in general access before they are would stay so even if claimed meanwhile.
            raise CommandError(f"--at {at} is in the future (now is {clock.localtime_iso(now)}).")
        for each in cities_named(city):
            moved = access_moves_record(city=each, until=until)
            self.stdout.write(f"{each.slug}: {moved} seats moved to general access")
