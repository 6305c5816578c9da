from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from flows.blocs.models import BlocTerm
from flows.demo.covenants import DemoStopped
from flows.demo.nominations import drive_handover, drive_meeting
from flows.nominations.selectors import candidacies_by_award
from signatures.devpki import responders_for_command


class Command(BaseCommand):
    help = (
        "Drive a bloc's year-end meeting (bình xét, suy tôn) as the demo officials: the units "
        "proposed, the heads' vote, the count, the signed minutes, the dossier submitted, the "
        "department's reception and appraisal, the leader's hand-over; print what the bloc "
        "proposes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bloc", required=True, help="Code of the bloc.")
        parser.add_argument("--year", required=True, type=int)

    def handle(self, *args, bloc, year, **options):
        try:
            term = BlocTerm.objects.select_related("bloc", "leader").get(bloc__code=bloc, year=year)
        except BlocTerm.DoesNotExist as error:
            raise CommandError(f"No term {year} for the bloc {bloc!r}.") from error
        log = self.stdout.write if options["verbosity"] > 1 else (lambda line: None)
        try:
            with responders_for_command():
                meeting = drive_meeting(term=term, log=log)
                dossier = getattr(meeting, "dossier", None)
                submitted = dossier is not None and dossier.submitted_at is not None
                handover = drive_handover(term=term, log=log) if submitted else None
        except (DemoStopped, ValidationError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{meeting}: {meeting.get_status_display()}")
        for group in candidacies_by_award(meeting):
            for candidacy in group.candidacies:
                if candidacy.nominated:
                    self.stdout.write(f"  {group.label}: {candidacy.unit.name}")
        if handover is not None:
            self.stdout.write(f"{handover}: {handover.get_status_display()}")
