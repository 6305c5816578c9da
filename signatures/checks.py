"""System checks of the signatures app: what signing and validation need to be configured.

The deploy checks (``manage.py check --deploy``) also refuse the development PKI in
production and try to reach the timestamp authority.
"""

import socket
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.translation import gettext_lazy as _

from signatures.models import SigningLevel

#: How long the deploy check waits for the timestamp authority to accept a connection.
TSA_CONNECT_SECONDS = 3
TIMESTAMPED_LEVELS = {SigningLevel.B_T, SigningLevel.B_LT, SigningLevel.B_LTA}


def _levels() -> dict[str, str]:
    return {"SIGNING_DEFAULT_LEVEL": settings.SIGNING_DEFAULT_LEVEL} | {
        f"SIGNING_LEVELS[{kind!r}]": level for kind, level in settings.SIGNING_LEVELS.items()
    }


@register("signatures")
def check_signing_settings(app_configs=None, **kwargs):
    problems = []
    for setting, level in _levels().items():
        if level not in SigningLevel.values:
            problems.append(
                Error(
                    _("%(setting)s is %(level)s, which is no PAdES level.")
                    % {"setting": setting, "level": level},
                    hint=_("Use one of %(levels)s.") % {"levels": ", ".join(SigningLevel.values)},
                    id="signatures.E001",
                )
            )
    if not settings.SIGNING_TRUST_ROOTS:
        problems.append(
            Error(
                _("No root certificate authority is trusted (SIGNING_TRUST_ROOTS is empty)."),
                hint=_(
                    "Name the PEM files of the national root CA and of the government CA: no"
                    " certificate can be registered and no signature can be found valid"
                    " without them."
                ),
                id="signatures.E002",
            )
        )
    # The development root appears when pki_init runs, after the first migrate.
    dev_root = settings.SIGNING_DEV_PKI_DIR / "root.cert.pem" if settings.SIGNING_DEV_PKI else None
    for path in settings.SIGNING_TRUST_ROOTS:
        if dev_root is not None and Path(path) == dev_root:
            continue
        try:
            with open(path, "rb") as root:
                root.read(1)
        except OSError as error:
            problems.append(
                Error(
                    _("The trusted root certificate %(path)s cannot be read (%(error)s).")
                    % {"path": path, "error": error.strerror or error},
                    hint=_("Correct SIGNING_TRUST_ROOTS or the file's permissions."),
                    id="signatures.E003",
                )
            )
    timestamped = [name for name, level in _levels().items() if level in TIMESTAMPED_LEVELS]
    if timestamped and not settings.SIGNING_TSA_URL:
        problems.append(
            Error(
                _("%(settings)s need a timestamp authority, and SIGNING_TSA_URL is empty.")
                % {"settings": ", ".join(timestamped)},
                hint=_(
                    "Set SIGNING_TSA_URL to the RFC 3161 service of your certificate authority."
                ),
                id="signatures.E004",
            )
        )
    return problems


@register("signatures", Tags.security, deploy=True)
def check_production_signing(app_configs=None, **kwargs):
    problems = []
    if settings.SIGNING_DEV_PKI:
        problems.append(
            Error(
                _("The development PKI is on (SIGNING_DEV_PKI) in a deployment."),
                hint=_(
                    "Its root is trusted and its keys are on this machine: set SIGNING_DEV_PKI=0"
                    " and name the real trust roots and timestamp authority."
                ),
                id="signatures.E101",
            )
        )
    elif settings.SIGNING_TSA_URL and not _reachable(settings.SIGNING_TSA_URL):
        problems.append(
            Warning(
                _("The timestamp authority %(url)s does not accept connections.")
                % {"url": settings.SIGNING_TSA_URL},
                hint=_(
                    "Signatures at B-T and above fail while it is unreachable: check the address"
                    " and the firewall."
                ),
                id="signatures.W101",
            )
        )
    return problems


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=TSA_CONNECT_SECONDS).close()
    except (OSError, ValueError):
        return False
    return True
