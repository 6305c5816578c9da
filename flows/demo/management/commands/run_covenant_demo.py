from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from flows.blocs.models import BlocTerm
from flows.demo.covenants import DemoStopped, drive_covenant
from flows.pledges.models import CovenantStatus
from signatures.devpki import responders_for_command


class Command(BaseCommand):
    help = (
        "Drive a bloc's covenant through drafting, every review, adoption, every head's "
        "signature and the clerk's number and organisation signature, as the demo officials; "
        "write the final PDF."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bloc", required=True, help="Code of the bloc.")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--out", type=Path, help="Where to write the signed PDF.")
        parser.add_argument(
            "--signatures",
            type=int,
            help="Stop once this many heads have signed (a covenant half-way through signing).",
        )

    def handle(self, *args, bloc, year, out=None, signatures=None, **options):
        try:
            term = BlocTerm.objects.select_related("bloc", "leader").get(bloc__code=bloc, year=year)
        except BlocTerm.DoesNotExist as error:
            raise CommandError(f"No term {year} for the bloc {bloc!r}.") from error
        log = self.stdout.write if options["verbosity"] > 1 else (lambda line: None)
        try:
            with responders_for_command():
                covenant = drive_covenant(term=term, signatures=signatures, log=log)
        except (DemoStopped, ValidationError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{covenant}: {covenant.get_status_display()}")
        if out is None:
            return
        if covenant.status != CovenantStatus.IN_FORCE:
            raise CommandError("The covenant is not in force yet: no final PDF to write.")
        document = covenant.versions.order_by("-number").first().document
        out.write_bytes(document.latest_revision().read())
        self.stdout.write(f"{out} ({document.fields.count()} signatures)")
