"""Background work of the covenant flow (django.tasks): rendering and e-mail notices."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _

from flows.blocs.models import BlocMembership
from flows.pledges import services
from flows.pledges.models import Covenant, SigningDecline
from workflows.models import Appointment, Role, person_name


@task
def prepare_document(version_id: int) -> None:
    """Render an adopted version to its PDF with signature fields and open the signing."""
    services.prepare_document(version_id)


@task
def notify_decline(decline_id: int) -> int:
    """Tell everyone who already signed the version, and the leader unit, that a head declined.

    Returns the number of people written to.
    """
    declined = SigningDecline.objects.select_related(
        "version__covenant__term__leader", "version__document", "organisation", "person"
    ).get(pk=decline_id)
    version = declined.version
    leader = version.covenant.term.leader
    signed = version.document.fields.filter(signed_by__isnull=False).values("signed_by")
    leaders = Appointment.objects.current(declined.created_at.date()).filter(
        organisation=leader, role__in=[Role.HEAD, Role.EMULATION_OFFICER]
    )
    people = (
        get_user_model()
        .objects.filter(Q(pk__in=signed) | Q(pk__in=leaders.values("user")))
        .exclude(email="")
        .distinct()
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _decline_notice(declined)
    return _send_each(people, subject, body)


@task
def notify_in_force(covenant_id: int) -> int:
    """Tell the heads and emulation officers of every member unit that the covenant is in force.

    Returns the number of people written to.
    """
    covenant = Covenant.objects.select_related("term__bloc", "issued_number").get(pk=covenant_id)
    members = BlocMembership.objects.filter(term=covenant.term).values("organisation")
    officials = Appointment.objects.current(covenant.issued_number.issued_on).filter(
        organisation__in=members, role__in=[Role.HEAD, Role.EMULATION_OFFICER]
    )
    people = get_user_model().objects.filter(pk__in=officials.values("user")).exclude(email="")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("The %(covenant)s is in force (No. %(number)s)") % {
            "covenant": str(covenant),
            "number": covenant.number_label,
        }
        body = _(
            "The %(covenant)s, signed by the heads of every member unit, was numbered %(number)s"
            " on %(day)s and sealed with the organisation signature of %(leader)s. It is in"
            " force; the signed PDF is on its page."
        ) % {
            "covenant": str(covenant),
            "number": covenant.number_label,
            "day": covenant.issued_number.issued_on.strftime("%d/%m/%Y"),
            "leader": covenant.term.leader,
        }
    return _send_each(people, subject, body)


def _send_each(people, subject: str, body: str) -> int:
    # One message each: officials of other units do not see each other's addresses.
    recipients = [person.email for person in people]
    for recipient in recipients:
        send_mail(subject, body, None, [recipient])
    return len(recipients)


def _decline_notice(declined: SigningDecline) -> tuple[str, str]:
    version = declined.version
    covenant = str(version.covenant)
    follows = _(
        "The leader unit will re-open the draft (the signatures already made will be void and"
        " the new version signed again) or withdraw it."
    )
    if declined.membership_changed:
        subject = _("The signing of the %(covenant)s was stopped") % {"covenant": covenant}
        return subject, f"{declined.reason}\n\n{follows}"
    subject = _("%(unit)s declined to sign the %(covenant)s") % {
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
    return subject, f"{body}\n\n{follows}"
