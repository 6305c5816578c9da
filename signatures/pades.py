"""PAdES signing of one revision: the document's next incremental update.

Everything here works on bytes in and bytes out; ``services`` stores the revisions. It runs in an
event loop (pyHanko's HTTP and CSC clients are asynchronous): callers use ``asyncio.run``.
"""

import dataclasses
import io
from dataclasses import dataclass

from asn1crypto import cms as cms_module
from django.conf import settings
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.form_tools import populate_static_text_field
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import async_add_validation_info
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signatures import stamps
from signatures.models import SigningLevel

FILLED_FIELD_FONT_SIZE = 13
# Extra room (hex digits, so half as many bytes) left in /Contents above the last CMS size seen
# for the same signer and level: timestamp tokens vary by a few bytes.
RESERVATION_MARGIN = 512

# pyHanko sizes /Contents by making a trial signature (and, with a TSA, a trial timestamp):
# about half the time of a signature. The size of a signer's CMS barely varies, so the real size
# of his last signature (plus a margin) is reserved instead.
_reserved_sizes: dict[tuple[str, bool], int] = {}


@dataclass(frozen=True)
class SignatureSpec:
    field_name: str
    stamp_text: str
    level: str
    certify: bool = False
    organisation: bool = False
    fill: dict | None = None
    reason: str = ""
    location: str = ""


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(pdf))


#: Where a filled value sits in its box. The number ends against the "/SYMBOL" that follows it
#: ("Số: 05/GƯ-UBND"); the date sits centred between "ngày" and "năm".
FIELD_ALIGNMENT = {"number": layout.AxisAlignment.ALIGN_MAX}


def _fill_fields(writer, values: dict | None) -> None:
    if not values:
        return
    style = stamps.text_style(
        writer, font_size=FILLED_FIELD_FONT_SIZE, leading=FILLED_FIELD_FONT_SIZE + 2
    )
    for name, value in (values or {}).items():
        rule = layout.SimpleBoxLayoutRule(
            x_align=FIELD_ALIGNMENT.get(name, layout.AxisAlignment.ALIGN_MID),
            y_align=layout.AxisAlignment.ALIGN_MID,
        )
        populate_static_text_field(
            writer, name, dataclasses.replace(style, box_layout_rule=rule), value
        )


def _metadata(spec: SignatureSpec) -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name=spec.field_name,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=spec.reason or None,
        location=spec.location or None,
        certify=spec.certify,
        # Certified documents still take form filling (the number and date) and signatures.
        docmdp_permissions=MDPPerm.FILL_FORMS,
    )


def _timestamper(level: str):
    if level == SigningLevel.B_B:
        return None
    if not settings.SIGNING_TSA_URL:
        raise SigningError("No timestamp authority configured (SIGNING_TSA_URL).")
    return timestamps.HTTPTimeStamper(settings.SIGNING_TSA_URL)


async def sign(pdf: bytes, signer, spec: SignatureSpec, *, reservation_key: str) -> bytes:
    """Sign ``spec.field_name`` of ``pdf``; return the new revision's bytes."""
    timestamped = spec.level != SigningLevel.B_B
    key = (reservation_key, timestamped)
    try:
        return await _sign_once(pdf, signer, spec, _reserved_sizes.get(key), key)
    except SigningError as error:
        if key not in _reserved_sizes or "too large" not in str(error).lower():
            raise
        # The remembered size was too small (a longer chain or timestamp): measure again.
        del _reserved_sizes[key]
        return await _sign_once(pdf, signer, spec, None, key)


async def _sign_once(pdf, signer, spec, bytes_reserved, key) -> bytes:
    writer = _writer(pdf)
    _fill_fields(writer, spec.fill)
    pdf_signer = signers.PdfSigner(
        _metadata(spec),
        signer,
        timestamper=_timestamper(spec.level),
        stamp_style=stamps.stamp_style(writer, organisation=spec.organisation),
    )
    output = io.BytesIO()
    await pdf_signer.async_sign_pdf(
        writer,
        existing_fields_only=True,
        output=output,
        bytes_reserved=bytes_reserved,
        appearance_text_params={"lines": spec.stamp_text},
    )
    signed = output.getvalue()
    _remember_reservation(signed, key)
    return signed


def _remember_reservation(signed: bytes, key) -> None:
    cms_size = _last_cms_size(signed)
    if cms_size:
        # /Contents holds the CMS in hexadecimal: two digits per byte.
        _reserved_sizes[key] = 2 * cms_size + RESERVATION_MARGIN


def _last_cms_size(signed: bytes) -> int:
    """The DER length of the CMS just written, read from its header in the last /Contents.

    Reading the signed file back with pyHanko would cost a fifth of a signature. Any surprise
    gives 0: the signature is made already, and the next one then measures its size again.
    """
    start = signed.rfind(b"/Contents <")
    if start < 0:
        return 0
    try:
        header = bytes.fromhex(signed[start + 11 : start + 19].decode("ascii"))  # 30 82 LL LL
    except (UnicodeDecodeError, ValueError):
        return 0
    if len(header) < 4 or header[0] != 0x30:
        return 0
    if header[1] < 0x80:
        return 2 + header[1]
    length_bytes = header[1] & 0x7F
    return 2 + length_bytes + int.from_bytes(header[2 : 2 + length_bytes], "big")


# -- two-step signing (an outside signer returns the CMS) ---------------------------------------


@dataclass(frozen=True)
class PreparedExternal:
    pdf: bytes  # the document with the space for the signature reserved
    digest: bytes  # what the outside signer signs (SHA-256 over the byte ranges)
    reserved_start: int
    reserved_end: int


# Hex digits for an outside signer's CMS (unknown in advance): 8 KB of DER holds a chain of
# three certificates, the signed attributes and a timestamp token.
EXTERNAL_RESERVATION = 16 * 1024


async def prepare_external(pdf: bytes, certificate, chain, spec: SignatureSpec) -> PreparedExternal:
    writer = _writer(pdf)
    _fill_fields(writer, spec.fill)
    external = signers.ExternalSigner(
        signing_cert=certificate,
        cert_registry=SimpleCertificateStore.from_certs(chain),
        signature_value=bytes(256),
    )
    pdf_signer = signers.PdfSigner(
        _metadata(spec),
        external,
        stamp_style=stamps.stamp_style(writer, organisation=spec.organisation),
    )
    digest, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
        writer,
        existing_fields_only=True,
        bytes_reserved=EXTERNAL_RESERVATION,
        appearance_text_params={"lines": spec.stamp_text},
    )
    return PreparedExternal(
        pdf=output.getvalue(),
        digest=digest.document_digest,
        reserved_start=digest.reserved_region_start,
        reserved_end=digest.reserved_region_end,
    )


@dataclass(frozen=True)
class CmsFacts:
    certificate: object  # asn1crypto x509.Certificate of the signer
    message_digest: bytes


def external_cms_facts(cms: bytes) -> CmsFacts:
    """The signer's certificate and the signed digest of a CMS SignedData (or refuse it)."""
    try:
        content = cms_module.ContentInfo.load(cms)
        signed_data = content["content"]
        signer_info = signed_data["signer_infos"][0]
        digest = next(
            attribute["values"][0].native
            for attribute in signer_info["signed_attrs"]
            if attribute["type"].native == "message_digest"
        )
        serial = signer_info["sid"].chosen["serial_number"].native
        certificate = next(
            choice.chosen
            for choice in signed_data["certificates"]
            if choice.chosen.serial_number == serial
        )
    except (ValueError, KeyError, IndexError, StopIteration, TypeError) as error:
        raise SigningError("The returned signature is not a CMS SignedData.") from error
    return CmsFacts(certificate=certificate, message_digest=digest)


async def finish_external(prepared: PreparedExternal, cms: bytes) -> bytes:
    output = io.BytesIO(prepared.pdf)
    digest = PreparedByteRangeDigest(
        document_digest=prepared.digest,
        reserved_region_start=prepared.reserved_start,
        reserved_region_end=prepared.reserved_end,
    )
    await PdfTBSDocument.async_finish_signing(output, digest, signature_cms=cms)
    return output.getvalue()


# -- long-term validation data --------------------------------------------------------------------


async def add_long_term_data(pdf: bytes, level: str, validation_context) -> bytes:
    """B-LT: embed validation data for every signature; B-LTA: then a document timestamp."""
    output = io.BytesIO(pdf)
    for signature in PdfFileReader(io.BytesIO(pdf)).embedded_signatures:
        reader = PdfFileReader(output)
        current = next(
            s for s in reader.embedded_signatures if s.field_name == signature.field_name
        )
        updated = io.BytesIO()
        await async_add_validation_info(current, validation_context, output=updated)
        output = updated
    if level == SigningLevel.B_LTA:
        writer = IncrementalPdfFileWriter(output)
        stamped = io.BytesIO()
        await signers.PdfTimeStamper(_timestamper(level)).async_timestamp_pdf(
            writer,
            "sha256",
            validation_context=validation_context,
            output=stamped,
        )
        output = stamped
    return output.getvalue()
