"""The progress board of a jurisdiction's year: every bloc, every stage; who may watch it live."""

from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from flows.blocs.access import may_oversee
from flows.blocs.models import BlocTerm
from flows.board.stages import STAGES, Cell
from notifications.access import watchable
from workflows.models import Organisation


@dataclass(frozen=True)
class Row:
    term: BlocTerm
    cells: list[Cell]

    @property
    def columns(self):
        """(stage, cell) in the board's order."""
        return list(zip(STAGES, self.cells, strict=True))


def board(jurisdiction: Organisation, year: int) -> list[Row]:
    terms = list(
        BlocTerm.objects.filter(bloc__jurisdiction=jurisdiction, year=year)
        .select_related("bloc", "leader")
        .annotate(member_count=Count("memberships"))
        .order_by("bloc__name")
    )
    today = timezone.localdate()
    columns = [stage.cells(terms, today) for stage in STAGES]
    return [Row(term=term, cells=[column[term.pk] for column in columns]) for term in terms]


def years(jurisdiction: Organisation) -> list[int]:
    return list(
        BlocTerm.objects.filter(bloc__jurisdiction=jurisdiction)
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


@watchable("board", arity=2)
def may_watch_live(user, jurisdiction_id: int, year: int) -> bool:
    """The live board of a year: for the jurisdiction's overseers (flows.blocs.access)."""
    return may_oversee(user, jurisdiction_id)
