from django.core.management.base import BaseCommand, CommandError

from vacancies.management.cities import cities_named
from vacancies.protocol import protocols_verify


class Command(BaseCommand):
    help = "Recompute every protocol's hashes and chain; name any edited, removed or reordered entry."

    def add_arguments(self, parser):
        parser.add_argument("--city", help="City slug (default: every city).")

    def handle(self, *args, city=None, **options):
        problems = []
        for each in cities_named(city):
            problems.extend(protocols_verify(city=each))
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s) found in the published protocols.")
        self.stdout.write("All protocols verified: hashes and chain intact.")
