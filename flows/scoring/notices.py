"""Who is told what in the scoring: a returned sheet goes back to the unit's officer."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.services import notify
from workflows.models import Appointment, Role, person_name


def sheet_url(sheet) -> str:
    return reverse("thidua:scorings:sheet", args=[sheet.scoring_id, sheet.unit_id])


def sheet_returned(sheet, *, reason: str, by) -> None:
    officers = Appointment.objects.current(timezone.localdate()).filter(
        organisation=sheet.unit, role=Role.EMULATION_OFFICER
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(person)s returned the score sheet of %(unit)s") % {
            "person": person_name(by),
            "unit": sheet.unit.name,
        }
        body = _("What to change: %(reason)s. Correct the sheet and send it again.") % {
            "reason": reason
        }
    notify(
        users=list(get_user_model().objects.filter(pk__in=officers.values("user"))),
        event="scoring.sheet_returned",
        title=title,
        body=body,
        url=sheet_url(sheet),
    )
