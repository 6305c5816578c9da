"""``manage.py pki_init``: the development PKI and a signing credential for every official."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from signatures import trust
from signatures.models import Credential, CredentialStatus, Provider
from signatures.pki import DEMO_PIN, OfficialIdentity, PkiError, build_dev_pki
from signatures.services import credentials
from workflows.models import Appointment, Role, person_name

# Whose appointment names an official holding several: the signing roles first.
ROLE_PREFERENCE = [
    Role.HEAD,
    Role.RECORDS_CLERK,
    Role.COUNCIL_CHAIR,
    Role.DEPUTY_HEAD,
    Role.COUNCIL_SECRETARY,
    Role.EMULATION_OFFICER,
    Role.HOME_AFFAIRS_OFFICER,
    Role.COUNCIL_MEMBER,
]


class Command(BaseCommand):
    help = (
        "Build the development PKI (idempotent) and register a signing credential for every "
        "official holding a current appointment. Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory", type=Path, default=None, help="Default: SIGNING_DEV_PKI_DIR."
        )
        parser.add_argument("--url-prefix", default=None, help="Default: SIGNING_DEV_PKI_URL.")

    def handle(self, *args, directory=None, url_prefix=None, **options):
        if not settings.SIGNING_DEV_PKI:
            raise CommandError(
                _(
                    "The development PKI is switched off (SIGNING_DEV_PKI). It serves "
                    "development and tests only, never production."
                )
            )
        directory = directory or settings.SIGNING_DEV_PKI_DIR
        officials = current_officials(timezone.localdate())
        try:
            pki = build_dev_pki(
                directory,
                url_prefix=url_prefix or settings.SIGNING_DEV_PKI_URL,
                officials=[identity for _user, identity in officials],
            )
        except PkiError as error:
            raise CommandError(str(error)) from error
        _require_trusted(pki)
        registered = register_missing_credentials(pki, officials)
        self._report(pki, officials, registered)

    def _report(self, pki, officials, registered) -> None:
        if not pki.issued and not registered:
            self.stdout.write(
                _("The development PKI and the credentials are complete: nothing changed.")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Development PKI: %(issued)s new certificates; signing credentials "
                        "registered: %(registered)s (%(officials)s officials in all)."
                    )
                    % {
                        "issued": len(pki.issued),
                        "registered": len(registered),
                        "officials": len(officials),
                    }
                )
            )
        self.stdout.write(_("PIN of every development keystore: %(pin)s") % {"pin": DEMO_PIN})
        self.stdout.write(
            _("Trusted root: %(root)s; OCSP, CRLs and time stamps at %(url)s")
            % {"root": pki.root_path, "url": pki.url_prefix}
        )


def current_officials(today) -> list[tuple[object, OfficialIdentity]]:
    """``(user, identity)`` for every active user holding an appointment on ``today``."""
    appointments = (
        Appointment.objects.current(today)
        .filter(user__is_active=True)
        .select_related("user", "organisation")
        .order_by("user__username", "valid_from", "pk")
    )
    chosen = {}
    for appointment in appointments:
        held = chosen.get(appointment.user_id)
        if held is None or _preference(appointment) < _preference(held):
            chosen[appointment.user_id] = appointment
    return [
        (
            appointment.user,
            OfficialIdentity(
                username=appointment.user.get_username(),
                full_name=person_name(appointment.user),
                title=appointment.title,
                unit=appointment.organisation.name,
            ),
        )
        for appointment in chosen.values()
    ]


def _preference(appointment) -> int:
    try:
        return ROLE_PREFERENCE.index(appointment.role)
    except ValueError:
        return len(ROLE_PREFERENCE)


def register_missing_credentials(pki, officials) -> list[Credential]:
    """A PKCS#12 credential for each official without an active one.

    Revocation is checked against the CRLs just issued: the responders may not run yet. A
    certificate registered before (even if withdrawn since) is never registered again.
    """
    now = timezone.now()
    with_active = set(
        Credential.objects.filter(
            status=CredentialStatus.ACTIVE, revoked_at__isnull=True, valid_to__gt=now
        ).values_list("user_id", flat=True)
    )
    known = set(Credential.objects.values_list("fingerprint", flat=True))
    crls, chain = pki.crls(), pki.chain_pem()
    registered = []
    for user, identity in officials:
        certificate = pki.certificate_for(identity.username)
        if user.pk in with_active or hashlib.sha256(certificate.dump()).hexdigest() in known:
            continue
        try:
            credential = credentials.register_credential(
                user=user,
                provider=Provider.PKCS12,
                certificate=certificate.dump(),
                chain=chain,
                keystore=pki.pkcs12_for(identity.username),
                label=_("Development certificate"),
                by=None,
                context=trust.validation_context(crls=crls, fetch=False),
            )
        except trust.CertificateRefused as error:
            raise CommandError(
                _("The certificate of %(username)s was refused: %(reason)s")
                % {"username": identity.username, "reason": error}
            ) from error
        registered.append(credential)
    return registered


def _require_trusted(pki) -> None:
    """Registration checks against SIGNING_TRUST_ROOTS: say so plainly if the root is not in."""
    try:
        roots = trust.trust_roots()
    except OSError as error:
        raise CommandError(
            _("A trusted root of SIGNING_TRUST_ROOTS cannot be read: %(error)s") % {"error": error}
        ) from error
    if pki.root.sha256 not in {root.sha256 for root in roots}:
        raise CommandError(
            _(
                "The development root %(path)s is not among the trusted roots: add it to "
                "SIGNING_TRUST_ROOTS."
            )
            % {"path": pki.root_path}
        )
