"""``manage.py verify_pdf FILE [--json] [--fetch]``: check every signature of a PDF."""

import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from signatures import validation
from signatures.services import uploads
from signatures.views import Verdict, signature_rows, verdict

EXIT_VALID = 0
EXIT_NOT_VALID = 1
EXIT_NOT_CHECKED = 2

# validation.validate_pdf's message for a readable PDF without signatures: the one report
# without signatures that still means "the file was read" (exit 1, not 2).
NO_SIGNATURE = "The document carries no digital signature."


class Unreadable(Exception):
    """The file cannot be checked at all; the message says why."""


class Command(BaseCommand):
    help = (
        "Check every digital signature of a PDF and print the report (with --json, the report "
        "as UTF-8 JSON). Exit status: 0 when every signature is intact, cryptographically "
        "valid, made with a certificate leading to a trusted root and nothing after it goes "
        "beyond what it permits; 1 when the file was read but a signature fails or it carries "
        "no signature; 2 when the file cannot be checked: missing, unreadable, empty, too "
        "large (SIGNING_PDF_MAX_BYTES), not a PDF, encrypted, damaged or a decompression bomb."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The PDF file to check.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON."
        )
        parser.add_argument(
            "--fetch",
            action="store_true",
            help="Also fetch revocation data (OCSP responses, CRLs) over the network.",
        )

    def handle(self, *args, file: Path, as_json=False, fetch=False, **options):
        _utf8(self.stdout, self.stderr)
        content = None
        try:
            content = read_pdf(file)
            report = _validate(content, fetch, reraise=options.get("traceback", False))
        except Unreadable as error:
            report = validation.ValidationReport(problems=[str(error)])
            status = EXIT_NOT_CHECKED
        else:
            status = exit_status(report)
        data = report.as_dict()
        outcome = verdict(data)
        if status == EXIT_NOT_CHECKED:
            outcome = Verdict(False, _("The file could not be checked"), outcome.reasons)
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self._print(file, content, data, outcome)
        if status != EXIT_VALID:
            raise CommandError(outcome.headline, returncode=status)

    def _print(self, file: Path, content: bytes | None, data: dict, outcome: Verdict) -> None:
        if content is not None:
            self.stdout.write(
                _("File: %(path)s (%(size)s, SHA-256 %(sha256)s)")
                % {
                    "path": file,
                    "size": filesizeformat(len(content)),
                    "sha256": hashlib.sha256(content).hexdigest(),
                }
            )
        count = len(data["signatures"])
        for number, signature in enumerate(data["signatures"], start=1):
            self.stdout.write("")
            self.stdout.write(
                self.style.MIGRATE_HEADING(
                    _("Signature %(number)s of %(count)s") % {"number": number, "count": count}
                )
            )
            self._print_signature(signature)
        if content is not None:  # a blank line between the report and the verdict
            self.stdout.write("")
        style = self.style.SUCCESS if outcome.ok else self.style.ERROR
        self.stdout.write(style(_("Verdict: %(headline)s") % {"headline": outcome.headline}))
        for problem in data["problems"]:
            self.stdout.write(f"  - {problem}")

    def _print_signature(self, signature: dict) -> None:
        rows = [*signature_rows(signature), (_("Problems"), "" if signature["problems"] else "—")]
        width = max(len(label) for label, _value in rows) + 1
        for label, value in rows:
            self.stdout.write(f"  {label + ':':<{width}} {value}".rstrip())
        for problem in signature["problems"]:
            self.stdout.write(self.style.WARNING(f"    - {problem}"))


def read_pdf(path: Path) -> bytes:
    """The file's bytes, after the checks of an upload; :class:`Unreadable` says why not."""
    limit = settings.SIGNING_PDF_MAX_BYTES
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            uploads.check_upload(size=size, read_head=stream.read)
            stream.seek(0)
            # Never more than the limit, even if the file grew since it was measured.
            content = stream.read(limit + 1)
    except FileNotFoundError as error:
        raise Unreadable(_("The file %(path)s does not exist.") % {"path": path}) from error
    except IsADirectoryError as error:
        raise Unreadable(_("%(path)s is a folder, not a file.") % {"path": path}) from error
    except PermissionError as error:
        raise Unreadable(
            _("The file %(path)s cannot be read: permission denied.") % {"path": path}
        ) from error
    except OSError as error:
        raise Unreadable(
            _("The file %(path)s cannot be read (%(detail)s).")
            % {"path": path, "detail": error.strerror or error}
        ) from error
    except ValidationError as error:
        raise Unreadable(" ".join(error.messages)) from error
    return content


def _validate(content: bytes, fetch: bool, *, reraise: bool):
    try:
        return validation.validate_pdf(content, fetch=fetch)
    except Exception as error:  # any: a check that cannot finish is reported, not a traceback
        if reraise:  # manage.py verify_pdf --traceback
            raise
        raise Unreadable(uploads.validation_failure(error)) from error


def exit_status(report) -> int:
    if report.ok:
        return EXIT_VALID
    if report.signatures or report.problems == [_(NO_SIGNATURE)]:
        return EXIT_NOT_VALID
    return EXIT_NOT_CHECKED


def _utf8(*outputs) -> None:
    # Vietnamese and the JSON are UTF-8 whatever the terminal's locale (LANG=C would otherwise
    # end in a UnicodeEncodeError); test buffers (StringIO) are left as they are.
    for output in outputs:
        stream = getattr(output, "_out", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if hasattr(stream, "reconfigure") and encoding != "utf8":
            stream.reconfigure(encoding="utf-8")
