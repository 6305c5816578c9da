"""Who may see and write the award history, on top of the site's policy (flows.blocs.access).

- **Awards, ratings and indicator scores** are open to every signed-in official: award
  decisions are public, and so are the province's indicator rankings.
- **Findings** (discipline, investigations, complaints, late social insurance…) are for the
  unit's own officials (a current appointment at it, or a current delegation from one), the
  overseers of its jurisdiction (``flows.blocs.access.may_oversee``: its council, its
  home-affairs officers, the vice-chairmen supervising its blocs) and auditors and superusers
  (``flows.blocs.access.sees_everything``). Nobody else learns that a unit has any.
- **Imports** are for whoever holds the model's add permission (the home-affairs office; the
  demo gives it to its home-affairs officers).
"""

from django.utils import timezone

from flows.awards.sheets import SheetFormat
from flows.blocs.access import may_oversee, sees_everything
from workflows.models import Appointment, Delegation, Organisation


def jurisdiction_of(unit: Organisation) -> Organisation | None:
    """The province or city ``unit`` belongs to (itself, if it is one)."""
    for organisation in [unit, *unit.ancestors()]:
        if organisation.kind.is_jurisdiction:
            return organisation
    return None


def serves(user, unit: Organisation) -> bool:
    """Whether ``user`` works for ``unit`` today: his appointment, or one delegated to him."""
    today = timezone.localdate()
    own = Appointment.objects.current(today).filter(user=user, organisation=unit)
    delegated = (
        Delegation.objects.current(today)
        .filter(substitute=user, revoked_at__isnull=True, appointment__organisation=unit)
        .filter(appointment__in=Appointment.objects.current(today))
    )
    return own.exists() or delegated.exists()


def may_see_findings(user, unit: Organisation) -> bool:
    if not user.is_authenticated:
        return False
    if sees_everything(user) or serves(user, unit):
        return True
    jurisdiction = jurisdiction_of(unit)
    return jurisdiction is not None and may_oversee(user, jurisdiction.pk)


def may_import(user, sheet: SheetFormat) -> bool:
    return user.is_authenticated and user.has_perm(sheet.permission)
