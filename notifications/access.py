"""Who may watch what, for the consumers and the pages."""

from asgiref.sync import sync_to_async
from django.utils import timezone

from workflows.models import Appointment, Organisation, Role

#: Who watches a jurisdiction's progress board: its council and its home-affairs office
#: (DOMAIN.md §5, "Live progress board for the council"), and the leaders in charge.
BOARD_ROLES = [
    Role.COUNCIL_CHAIR,
    Role.COUNCIL_SECRETARY,
    Role.COUNCIL_MEMBER,
    Role.HOME_AFFAIRS_OFFICER,
]


def may_watch_board_now(user, jurisdiction_id: int) -> bool:
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


may_watch_board = sync_to_async(may_watch_board_now)
