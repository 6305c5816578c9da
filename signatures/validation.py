"""Validating the signatures of a PDF: a report per signature and one verdict, in Vietnamese.

The verdict is positive only when every signature is intact, cryptographically valid, made with a
certificate chaining to a trusted root, and no change after it goes beyond what it permits
(certification level, field locks). A document timestamp must be intact, valid and trusted too.
Bad files (not a PDF, truncated, encrypted, too large, decompression bombs) get a precise
message and never an exception.
"""

import asyncio
import contextlib
import gc
import io
import threading
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.status import SignatureCoverageLevel

from signatures import trust

# What a hostile or broken file makes pyHanko raise. Most damage comes as PdfError, but fuzzing
# also reaches its asserts (a catalog that is not a dictionary, startxref at an ordinary
# object), number parsing (decimal.InvalidOperation, OverflowError: ArithmeticError) and
# attribute lookups on unexpected objects (an unknown digest OID, a null page-tree kid).
UNREADABLE = (
    PdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    ArithmeticError,
    NotImplementedError,
    RecursionError,
)
# pyHanko's error details can be very long (a 200-digit number was seen): keep messages short.
DETAIL_LIMIT = 160

COVERAGE_LABELS = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}


@dataclass
class SignatureReport:
    field_name: str
    kind: str  # "signature" or "timestamp"
    signer: str
    unit: str
    issuer: str
    revision: int
    signing_time: str | None
    timestamp: str | None
    intact: bool
    valid: bool
    trusted: bool
    chain: str
    coverage: str
    modification: str
    certification: bool
    certification_respected: bool
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ValidationReport:
    signatures: list[SignatureReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            bool(self.signatures)
            and not self.problems
            and all(report.ok for report in self.signatures)
        )

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "signatures": [asdict(report) | {"ok": report.ok} for report in self.signatures],
        }


def validate_pdf(content: bytes, *, fetch: bool = False) -> ValidationReport:
    """Validate every signature and document timestamp of ``content``.

    ``fetch`` lets the validator fetch OCSP/CRL data (run it as a task); without it only the
    data embedded in the document (B-LT, B-LTA) and the trust roots are used.
    """
    with cycle_collector_paused():
        report = ValidationReport()
        reader = _open(content, report)
        if reader is None:
            return report
        signatures = reader.embedded_signatures
        if not signatures:
            report.problems.append(_("The document carries no digital signature."))
            return report
        report.signatures = asyncio.run(_validate_all(signatures, fetch))
    return report


_pauses = 0
_pauses_lock = threading.Lock()
_collector_was_enabled = False


@contextlib.contextmanager
def cycle_collector_paused():
    """Python's cycle collector off while the block runs (in any thread), back as it was after.

    pyHanko builds millions of short-lived containers while it compares revisions: the
    collector ran so often, over every object of the process, that it took 30 % of validating
    20 signatures (1.0 s with it, 0.7 s without; docs/benchmarks.md). What becomes cyclic
    garbage meanwhile is collected once the last pause ends.
    """
    global _pauses, _collector_was_enabled
    with _pauses_lock:
        if _pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _collector_was_enabled:
                gc.enable()


def _open(content: bytes, report: ValidationReport) -> PdfFileReader | None:
    if len(content) > settings.SIGNING_PDF_MAX_BYTES:
        report.problems.append(
            _("The file is too large (%(size)s MB; at most %(limit)s MB).")
            % {
                "size": round(len(content) / 2**20, 1),
                "limit": round(settings.SIGNING_PDF_MAX_BYTES / 2**20, 1),
            }
        )
        return None
    if content.lstrip()[:5] != b"%PDF-":
        report.problems.append(_("The file is not a PDF document."))
        return None
    try:
        return open_pdf(content)
    except EncryptedPdf:
        report.problems.append(_("The PDF is encrypted: its signatures cannot be checked."))
    except UnreadablePdf as error:
        report.problems.append(str(error))
    return None


class UnreadablePdf(Exception):
    """pyHanko cannot read the file; the message says why, in the active language."""


class EncryptedPdf(Exception):
    """The PDF is encrypted: what that prevents is for the caller to say."""


def open_pdf(content: bytes) -> PdfFileReader:
    """``content`` opened with its form parsed, or UnreadablePdf / EncryptedPdf."""
    with reading():
        # strict=False: files exported from Word often have hybrid cross-reference sections.
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        if reader.encrypted:
            raise EncryptedPdf
        reader.embedded_signatures  # noqa: B018 (parses the form: errors surface here)
    return reader


@contextlib.contextmanager
def reading():
    """Turn what a damaged or hostile file makes pyHanko raise into UnreadablePdf.

    Objects are read lazily: wrap any work that may read more of the file, not only opening.
    """
    try:
        yield
    except PdfDecodeLimitError as error:
        raise UnreadablePdf(
            _(
                "The PDF holds abnormally compressed data (a possible decompression bomb): "
                "it was not opened."
            )
        ) from error
    except UNREADABLE as error:
        raise UnreadablePdf(
            _("The PDF is damaged or cannot be read (%(detail)s).") % {"detail": _short(error)}
        ) from error


async def _validate_all(signatures, fetch: bool) -> list[SignatureReport]:
    # One context for the whole document: the same chain is checked once, not per signature.
    context = trust.validation_context(fetch=fetch, revocation_mode=None if fetch else "soft-fail")
    reports = []
    for embedded in signatures:
        try:
            reports.append(await _validate_one(embedded, context))
        except UNREADABLE as error:
            reports.append(_unreadable(embedded, error))
    return reports


async def _validate_one(embedded, context) -> SignatureReport:
    if embedded.sig_object_type == "/DocTimeStamp":
        status = await async_validate_pdf_timestamp(embedded, validation_context=context)
        return _report(embedded, status, kind="timestamp")
    status = await async_validate_pdf_signature(embedded, context)
    return _report(embedded, status, kind="signature")


def _report(embedded, status, *, kind: str) -> SignatureReport:
    subject = status.signing_cert.subject.native if status.signing_cert else {}
    timestamp = getattr(status, "timestamp_validity", None)
    certification = embedded.docmdp_level is not None
    report = SignatureReport(
        # pyHanko's name is a str subclass tied to its PDF object: as_dict() would deep-copy
        # the whole document through it (17 s for twenty signatures, or a TypeError).
        field_name=str(embedded.field_name or ""),
        kind=kind,
        signer=subject.get("common_name", ""),
        unit=subject.get("organization_name", ""),
        issuer=trust.name_text(status.signing_cert.issuer) if status.signing_cert else "",
        revision=embedded.signed_revision,
        signing_time=_iso(getattr(status, "signer_reported_dt", None)),
        timestamp=_iso(timestamp.timestamp if timestamp else getattr(status, "timestamp", None)),
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        chain=_chain_status(status),
        coverage=COVERAGE_LABELS.get(status.coverage, "unclear"),
        modification=status.modification_level.name.lower() if status.modification_level else "",
        certification=certification,
        certification_respected=status.docmdp_ok is not False,
    )
    report.problems = _problems(report, status, timestamp)
    return report


def _chain_status(status) -> str:
    if getattr(status, "revoked", False):
        return "revoked"
    if status.trusted:
        return "trusted"
    return "untrusted"


def _problems(report: SignatureReport, status, timestamp) -> list[str]:
    problems = []
    if not report.intact:
        problems.append(_("The signed content was changed after signing."))
    elif not report.valid:
        problems.append(_("The signature is not cryptographically valid."))
    if report.chain == "revoked":
        problems.append(_("The signer's certificate has been revoked."))
    elif not report.trusted:
        problems.append(_("The signer's certificate does not lead to a trusted root."))
    if status.docmdp_ok is False or report.modification == "other":
        problems.append(
            _(
                "The document was changed after this signature beyond what it permits "
                "(page content, a locked field or the certification level)."
            )
        )
    if report.coverage in ("partial", "unclear"):
        problems.append(_("The signature does not cover the whole document revision."))
    if timestamp is not None and not (timestamp.intact and timestamp.valid and timestamp.trusted):
        problems.append(_("The signature timestamp is not valid or not trusted."))
    return problems


def _unreadable(embedded, error) -> SignatureReport:
    return SignatureReport(
        # pyHanko's name is a str subclass tied to its PDF object: as_dict() would deep-copy
        # the whole document through it (17 s for twenty signatures, or a TypeError).
        field_name=str(embedded.field_name or ""),
        kind="signature",
        signer="",
        unit="",
        issuer="",
        revision=-1,
        signing_time=None,
        timestamp=None,
        intact=False,
        valid=False,
        trusted=False,
        chain="unknown",
        coverage="unclear",
        modification="",
        certification=False,
        certification_respected=False,
        problems=[_("This signature cannot be read (%(detail)s).") % {"detail": _cause(error)}],
    )


def _cause(error) -> str:
    """Why a signature could not be read: in the user's language where the cause is known,
    else pyHanko's own words, else at least the kind of error (never empty parentheses)."""
    if isinstance(error, AssertionError) and _raised_in(
        error, "pyhanko_certvalidator.sig_validate"
    ):
        # pyHanko checks the key's type by assertion: the CMS names an algorithm of another
        # kind of key than the certificate's (RSA named for an EC key, or the reverse).
        return _("the signature's algorithm does not match the signer's key")
    return _short(error) or type(error).__name__


def _raised_in(error, module: str) -> bool:
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_globals.get("__name__") == module


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _short(error) -> str:
    text = str(error)
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1] + "…"
