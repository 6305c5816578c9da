from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from flows.demo.council import drive_session
from flows.demo.covenants import DemoStopped
from flows.nominations.selectors import agenda_of
from signatures.devpki import responders_for_command


class Command(BaseCommand):
    help = (
        "Drive a jurisdiction's council session on its appraised nominees as the demo officials:"
        " the roll call, the members' vote, the absent members' written votes, the count, the"
        " signed minutes; print each nominee's result."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", required=True, help="Code of the province.")
        parser.add_argument(
            "--voted", type=int, help="Stop once this many members present have voted."
        )

    def handle(self, *args, jurisdiction, voted=None, **options):
        log = self.stdout.write if options["verbosity"] > 1 else (lambda line: None)
        try:
            with responders_for_command():
                session = drive_session(jurisdiction_code=jurisdiction, voted=voted, log=log)
        except (DemoStopped, ValidationError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{session}: {session.get_status_display()}")
        for item in agenda_of(session):
            if item.passed is not None:
                result = "đạt" if item.passed else "không đạt"
                self.stdout.write(f"  {item}: {item.votes_for} phiếu, {result}")
