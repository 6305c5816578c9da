from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from flows.demo.covenants import DemoStopped
from flows.demo.decisions import drive_decision
from flows.nominations.selectors import lines_of
from signatures.devpki import responders_for_command


class Command(BaseCommand):
    help = (
        "Drive a province's award decision on a year's nominees as the demo officials: drafted by"
        " its home-affairs officer, signed by the chairman, numbered and sealed by the clerk;"
        " print the number and the awards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", required=True, help="Code of the province.")
        parser.add_argument("--year", required=True, type=int)

    def handle(self, *args, jurisdiction, year, **options):
        log = self.stdout.write if options["verbosity"] > 1 else (lambda line: None)
        try:
            with responders_for_command():
                decision = drive_decision(jurisdiction_code=jurisdiction, year=year, log=log)
        except (DemoStopped, ValidationError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{decision.document.issued_number.label}: {decision}")
        for line in lines_of(decision):
            self.stdout.write(f"  {line.appraisal.candidacy}: {line.amount} đ")
