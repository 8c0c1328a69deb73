from django.core.management.base import BaseCommand

from indigo import clock
from indigo.management_helpers import cities_named, parse_moment
from vacancies.protocol import protocols_catch_up


class Command(BaseCommand):
    help = "Publish every protocol due up to a moment (default now), each with its original 18:00 cutoff."

    def add_arguments(self, parser):
        parser.add_argument("--city", help="City slug (default: every city).")
        parser.add_argument("--at", help="Replay as of this ISO-8601 moment (Astana time if no offset).")

    def handle(self, *args, city=None, at=None, **options):
        until = parse_moment(at) or clock.now()
        for each in cities_named(city):
            protocols = protocols_catch_up(city=each, until=until)
            if not protocols:
                self.stdout.write(f"{each.slug}: no protocol due")
            for protocol in protocols:
                self.stdout.write(
                    f"{each.slug} {protocol.day}: {protocol.entry_count} entries, sha256 {protocol.sha256}"
                )
