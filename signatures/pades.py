"""PAdES signing of one revision: the document's next incremental update.

Everything here works on bytes in and bytes out; ``services`` stores the revisions. It runs in an
event loop (pyHanko's HTTP and CSC clients are asynchronous): callers use ``asyncio.run``.
"""

import io
from dataclasses import dataclass

from asn1crypto import cms as cms_module
from asn1crypto import core
from django.conf import settings
from pyhanko.pdf_utils import form_tools, generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import init_xobject_dictionary
from pyhanko.sign import signers, timestamps
from pyhanko.sign.attributes import TSTProvider
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import (
    CMSExtractionError,
    SigningError,
    extract_certificate_info,
    extract_signer_info,
)
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import async_add_validation_info
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.utils import extract_message_digest
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signatures import rendering, stamps
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
    #: Points of the field's left under the organisation's seal (stamps.seal_inset).
    seal_inset: float = 0
    fill: dict | None = None
    reason: str = ""
    location: str = ""


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(pdf))


#: Where a filled value sits along its box, as the share of the room left that goes before it:
#: the number ends against the "/SYMBOL" that follows it ("Số: 05/GƯ-UBND"); other values, the
#: date, sit centred (between "ngày" and "năm").
FIELD_ALIGNMENT = {"number": 1.0}
CENTRED = 0.5


def _fill_fields(writer, values: dict | None) -> None:
    """Fill the text fields named in ``values`` with their text, on the printed line.

    Not pyHanko's populate_static_text_field: it lays the text out in the field's box cut down
    to whole points, which viewers stretch back to the box (by up to 5 %), and it puts a single
    line's baseline at the foot of a line-high block centred in the box: about 3 pt under the
    baseline of the words printed beside it.
    """
    if not values:
        return
    font = stamps.SharedStampFont(*stamps.find_stamp_font(writer)).create_font_engine(writer)
    for name, value in values.items():
        field_ref = form_tools.find_existing_empty_field(writer, name, field_type="/Tx")
        field = field_ref.get_object()
        widget = form_tools.get_single_field_annot(field)
        appearance = _line_appearance(font, value, widget, FIELD_ALIGNMENT.get(name, CENTRED))
        widget[pdf_name("/AP")] = generic.DictionaryObject(
            {pdf_name("/N"): writer.add_object(appearance)}
        )
        writer.update_container(widget)
        # As populate_static_text_field leaves a field: its value, read-only, no variable text.
        field[pdf_name("/V")] = generic.pdf_string(value)
        field[pdf_name("/Ff")] = generic.NumberObject(int(field.get("/Ff", 0)) | 1)
        field.pop("/DA", None)
        writer.mark_update(field_ref)


def _line_appearance(font, text: str, widget, alignment: float) -> generic.StreamObject:
    """One line of ``text`` in a form XObject of exactly the widget's size, on its baseline.

    The placeholder was laid out with the printed line's baseline at a known height of its box
    (``rendering.TEXT_FIELD_BASELINE``): the text is drawn from there, level with its neighbours.
    """
    width, height = (float(side) for side in form_tools.annot_width_height(widget))
    shaped = font.shape(text)  # advances in ems
    size = FILLED_FIELD_FONT_SIZE
    if shaped.x_advance * size > width:  # smaller, rather than over the words beside it
        size = width / shaped.x_advance
    x = (width - shaped.x_advance * size) * alignment
    baseline = height * rendering.TEXT_FIELD_BASELINE
    operators = b"/Tx BMC q BT %s %g Tf 0 g %g %g Td %s ET Q EMC" % (
        stamps.STAMP_FONT_NAME.encode(),
        round(size, 3),
        round(x, 3),
        round(baseline, 3),
        shaped.graphics_ops,
    )
    fonts = generic.DictionaryObject({pdf_name(stamps.STAMP_FONT_NAME): font.as_resource()})
    resources = generic.DictionaryObject({pdf_name("/Font"): fonts})
    return init_xobject_dictionary(operators, width, height, resources)


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
        stamp_style=stamps.stamp_style(
            writer, organisation=spec.organisation, seal_inset=spec.seal_inset
        ),
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
        stamp_style=stamps.stamp_style(
            writer, organisation=spec.organisation, seal_inset=spec.seal_inset
        ),
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
    certificate: object | None  # asn1crypto x509.Certificate of the signer, when the CMS has it
    message_digest: bytes
    signature_valid: bool  # the signature value verifies with that certificate


def external_cms_facts(cms: bytes) -> CmsFacts:
    """What a returned CMS SignedData says: its signer's certificate, the digest it signs and
    whether its signature value verifies with that certificate. Anything else: SigningError.

    Nothing here needs the network: the signer can be answered at once.
    """
    try:
        content = cms_module.ContentInfo.load(cms, strict=True)
        if content["content_type"].native != "signed_data":
            raise ValueError(content["content_type"].native)
        signed_data = content["content"]
        signer_info = extract_signer_info(signed_data)
        digest = extract_message_digest(signer_info)
        try:
            certificate = extract_certificate_info(signed_data).signer_cert
        except CMSExtractionError:  # the signer's certificate is not in it
            return CmsFacts(certificate=None, message_digest=digest, signature_valid=False)
        return CmsFacts(
            certificate=certificate,
            message_digest=digest,
            signature_valid=_signature_verifies(signer_info, certificate, digest),
        )
    except (ValueError, KeyError, TypeError) as error:  # asn1crypto parses lazily, in here
        raise SigningError("The returned signature is not a CMS SignedData.") from error


def _signature_verifies(signer_info, certificate, digest: bytes) -> bool:
    try:
        # PDF signatures sign "data" (the byte ranges) through the message digest attribute.
        _intact, valid = validate_sig_integrity(signer_info, certificate, "data", digest)
    except SignatureValidationError:  # e.g. a signing-certificate attribute naming another
        return False
    return valid


async def with_signature_timestamp(cms: bytes, level: str) -> bytes:
    """``cms`` with a signature timestamp from the configured TSA when ``level`` asks for one
    (B-T and above) and the signer's tool put none in: an outside signer's signature then
    meets the document's level as the server's own do.

    The timestamp is an unsigned attribute over the signature value (RFC 5126 §6.1.1): adding
    it leaves what the signer signed untouched. Only the signer's unsigned attributes are
    replaced; everything else keeps the bytes his tool produced.
    """
    timestamper = _timestamper(level)
    if timestamper is None:
        return cms
    content = cms_module.ContentInfo.load(cms)
    signed_data = content["content"]
    signer_info = extract_signer_info(signed_data)
    present = signer_info["unsigned_attrs"]
    unsigned = [] if isinstance(present, core.Void) else list(present)
    if any(attribute["type"].native == "signature_time_stamp_token" for attribute in unsigned):
        return cms
    token = TSTProvider(
        signer_info["digest_algorithm"]["algorithm"].native,
        signer_info["signature"].native,
        timestamper,
    )
    unsigned.append(await token.get_attribute())
    signer_info["unsigned_attrs"] = cms_module.CMSAttributes(unsigned)
    signed_data["signer_infos"] = cms_module.SignerInfos([signer_info])
    return cms_module.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


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
