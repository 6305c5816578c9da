"""The progress board of a jurisdiction's year: every bloc, every stage; who may watch it."""

from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from flows.blocs.models import BlocTerm
from flows.board.stages import STAGES, Cell
from notifications.access import watchable
from workflows.models import Appointment, Organisation, Role

#: Who watches a jurisdiction's progress board: its council and its home-affairs office
#: (DOMAIN.md §5, "Live progress board for the council"), and the leaders in charge.
BOARD_ROLES = [
    Role.COUNCIL_CHAIR,
    Role.COUNCIL_SECRETARY,
    Role.COUNCIL_MEMBER,
    Role.HOME_AFFAIRS_OFFICER,
]


@dataclass(frozen=True)
class Row:
    term: BlocTerm
    cells: list[Cell]


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


def may_watch(user, jurisdiction_id: int) -> bool:
    if user.is_superuser:
        return True
    jurisdiction = Organisation.objects.filter(pk=jurisdiction_id).first()
    if jurisdiction is None:
        return False
    units = Organisation.objects.filter(pk=jurisdiction_id) | Organisation.objects.filter(
        parent_id=jurisdiction_id
    )
    return (
        Appointment.objects.current(timezone.localdate())
        .filter(user=user, role__in=BOARD_ROLES, organisation__in=units)
        .exists()
        or jurisdiction.blocs.filter(supervising_leader=user).exists()
    )


@watchable("board", arity=2)
def may_watch_live(user, jurisdiction_id: int, year: int) -> bool:
    """The live board of a year: for those who may watch the jurisdiction's board."""
    return may_watch(user, jurisdiction_id)
