"""R-W-5: recompute every published claim window from the protocols' downloads and name any difference."""

import json

from django.core.management.base import BaseCommand, CommandError

from placement.window.record import downloads_differences
from vacancies.management.cities import cities_named
from vacancies.models import Protocol
from vacancies.protocol import protocol_document


class Command(BaseCommand):
    help = (
        "Recompute each claim window's allocation from the published protocol downloads alone (the masked "
        "bids, ranks and seats) and name every family whose published result differs, and every entry whose "
        "hash does not match its content."
    )

    def add_arguments(self, parser):
        parser.add_argument("--city", help="City slug (default: every city).")
        parser.add_argument(
            "--file", action="append", default=[], help="A downloaded protocol JSON to check instead (repeatable)."
        )

    def handle(self, *args, city=None, file=(), **options):
        if file:
            documents = []
            for path in file:
                with open(path, encoding="utf-8") as handle:
                    documents.append(json.load(handle))
        else:
            protocols = Protocol.objects.filter(city__in=cities_named(city)).select_related("city").order_by("cutoff")
            documents = [protocol_document(protocol) for protocol in protocols]
        problems, windows = downloads_differences(documents)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} difference(s) found in {windows} published window(s).")
        self.stdout.write(f"{windows} published window(s) recomputed: every result agrees with the bids.")
