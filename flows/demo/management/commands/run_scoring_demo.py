from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from flows.blocs.models import BlocTerm
from flows.demo.covenants import DemoStopped
from flows.demo.scoring import drive_scoring
from flows.scoring.models import ScoringStatus
from flows.scoring.selectors import latest_result
from signatures.devpki import responders_for_command


class Command(BaseCommand):
    help = (
        "Drive a bloc's year-end scoring through self-scoring, the heads' signatures, "
        "cross-scoring, a dispute, freezing and the signed result, as the demo officials; "
        "print the ranking."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bloc", required=True, help="Code of the bloc.")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--out", type=Path, help="Where to write the signed result PDF.")
        parser.add_argument(
            "--signed",
            type=int,
            help="Stop once this many units' sheets are signed (a scoring half-way).",
        )

    def handle(self, *args, bloc, year, out=None, signed=None, **options):
        try:
            term = BlocTerm.objects.select_related("bloc", "leader").get(bloc__code=bloc, year=year)
        except BlocTerm.DoesNotExist as error:
            raise CommandError(f"No term {year} for the bloc {bloc!r}.") from error
        log = self.stdout.write if options["verbosity"] > 1 else (lambda line: None)
        try:
            with responders_for_command():
                scoring = drive_scoring(term=term, signed_sheets=signed, log=log)
        except (DemoStopped, ValidationError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{scoring}: {scoring.get_status_display()}")
        result = latest_result(scoring)
        if result is None:
            return
        for row in result.rows.select_related("unit").order_by("rank", "unit__name"):
            self.stdout.write(f"  {row.rank}. {row.unit.name}: {row.total}")
        if out is not None and scoring.status == ScoringStatus.RANKED:
            out.write_bytes(result.document.latest_revision().read())
            self.stdout.write(f"{out}")
