"""Who is told what when a covenant's signing is declined or stopped, and when it is in force."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from flows.blocs.models import BlocMembership
from flows.pledges.models import Covenant, SigningDecline
from notifications.services import notify
from workflows.models import Appointment, Role, person_name


def _url(covenant) -> str:
    return reverse("thidua:covenants:detail", args=[covenant.pk])


def _officials(units, day, roles):
    appointments = Appointment.objects.current(day).filter(organisation__in=units, role__in=roles)
    return get_user_model().objects.filter(pk__in=appointments.values("user"))


def declined(declined: SigningDecline) -> None:
    """Everyone who already signed the version, and the leader unit's head and officer."""
    version = declined.version
    covenant = version.covenant
    signed = version.document.fields.filter(signed_by__isnull=False).values("signed_by")
    leaders = _officials(
        [covenant.term.leader_id], declined.created_at.date(), [Role.HEAD, Role.EMULATION_OFFICER]
    )
    people = get_user_model().objects.filter(Q(pk__in=signed) | Q(pk__in=leaders.values("pk")))
    with translation.override(settings.LANGUAGE_CODE):
        title, body = _declined_text(declined)
    notify(
        users=list(people.distinct()),
        event="covenant.signature_declined",
        title=title,
        body=body,
        url=_url(covenant),
    )


def _declined_text(declined: SigningDecline) -> tuple[str, str]:
    version = declined.version
    covenant = str(version.covenant)
    follows = _(
        "The leader unit will re-open the draft (the signatures already made will be void and"
        " the new version signed again) or withdraw it."
    )
    if declined.membership_changed:
        title = _("The signing of the %(covenant)s was stopped") % {"covenant": covenant}
        return title, f"{declined.reason}\n\n{follows}"
    title = _("%(unit)s declined to sign the %(covenant)s") % {
        "unit": declined.organisation,
        "covenant": covenant,
    }
    body = _(
        "%(person)s, for %(unit)s, declined to sign version %(number)s of the %(covenant)s."
        "\n\nReason: %(reason)s"
    ) % {
        "person": person_name(declined.person),
        "unit": declined.organisation,
        "number": version.number,
        "covenant": covenant,
        "reason": declined.reason,
    }
    return title, f"{body}\n\n{follows}"


def in_force(covenant: Covenant) -> None:
    """The heads and emulation officers of every member unit."""
    issued = covenant.issued_number
    members = BlocMembership.objects.filter(term=covenant.term).values("organisation")
    people = _officials(members, issued.issued_on, [Role.HEAD, Role.EMULATION_OFFICER])
    with translation.override(settings.LANGUAGE_CODE):
        title = _("The %(covenant)s is in force (No. %(number)s)") % {
            "covenant": str(covenant),
            "number": issued.label,
        }
        body = _(
            "The %(covenant)s, signed by the heads of every member unit, was numbered %(number)s"
            " on %(day)s and sealed with the organisation signature of %(leader)s. It is in"
            " force; the signed PDF is on its page."
        ) % {
            "covenant": str(covenant),
            "number": issued.label,
            "day": issued.issued_on.strftime("%d/%m/%Y"),
            "leader": covenant.term.leader,
        }
    notify(
        users=list(people), event="covenant.in_force", title=title, body=body, url=_url(covenant)
    )
