from django.core.management.base import BaseCommand, CommandError

from indigo import clock
from indigo.management_helpers import parse_moment
from placement.day_close import days_close
from vacancies.management.cities import cities_named


class Command(BaseCommand):
    help = (
        "Close every day due up to a moment (default now): referral expiries, then the protocol, each with "
        "its original 18:00 cutoff."
    )

    def add_arguments(self, parser):
        parser.add_argument("--city", help="City slug (default: every city).")
        parser.add_argument("--at", help="Replay as of this ISO-8601 moment in the past (Astana time if no offset).")

    def handle(self, *args, city=None, at=None, **options):
        now = clock.now()
        until = parse_moment(at) or now
        if until > now:
            # A protocol published ahead of time closes days whose changes have not happened yet.
            raise CommandError(
                f"--at {at} is in the future (now is {clock.localtime_iso(now)}): a protocol is published "
                "only for a moment that has passed."
            )
        for each in cities_named(city):
            protocols = days_close(city=each, until=until)
            if not protocols:
                self.stdout.write(f"{each.slug}: no protocol due")
            for protocol in protocols:
                self.stdout.write(
                    f"{each.slug} {protocol.day}: {protocol.entry_count} entries, sha256 {protocol.sha256}"
                )
