"""Preparing a PDF for signature: a base pyHanko signs over, then one update adding every field.

The base (``signable_base``) is the PDF itself when pyHanko's strict reader takes it, else the
PDF rewritten once into a clean file: Word and Office write hybrid cross-reference sections, on
which pyHanko refuses to sign (such a file can show different content to readers that ignore
/XRefStm). Rewriting is sound only before any signature exists: a signed PDF is refused.

The update (``add_fields``) adds:

- one signature field per declared signer, locking itself once signed (FieldMDP);
- the organisation signature of the records clerk, which locks the whole form and allows no
  change after it but validation data and timestamps (ND 30: it comes last);
- text fields for what is filled in after the personal signatures (number and date);
- the shared stamp font (see ``stamps``).
"""

import io

from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign import fields

from signatures import fonts, stamps, validation
from signatures.rendering import FieldPlacement

FILLED_FIELD_APPEARANCE = "/VnStamp 13 Tf 0 g"


class BaseRefused(Exception):
    """The PDF cannot become a document to sign here; the message says why."""


def signable_base(pdf: bytes) -> bytes:
    """``pdf`` itself when pyHanko can sign over it, else ``pdf`` rewritten into a clean file.

    Raises BaseRefused (encrypted, signed already) or validation.UnreadablePdf (damaged,
    decompression bomb), with the reason.
    """
    try:
        reader = validation.open_pdf(pdf)
    except validation.EncryptedPdf as error:
        raise BaseRefused(
            _(
                "The PDF is protected by a password (encrypted): save or export it again "
                "without a password, then upload it."
            )
        ) from error
    if reader.embedded_signatures:
        # A rewrite would break its signatures, and an update adding our fields and our
        # certification would go against them (certification must be the first signature).
        raise BaseRefused(
            _(
                "The PDF already carries a digital signature: a document is signed here from "
                "its unsigned original. Upload the PDF before anyone signed it."
            )
        )
    if _strictly_readable(pdf):
        return pdf
    with validation.reading():
        output = io.BytesIO()
        copy_into_new_writer(reader).write(output)
    return output.getvalue()


def _strictly_readable(pdf: bytes) -> bool:
    """Whether pyHanko's strict reader (the one signing uses) reads every object of ``pdf``."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=True)
        if reader.xrefs.hybrid_xrefs_present:
            return False
        # Strict errors surface object by object, when something reads it: read them all now
        # rather than fail at the third signature.
        for revision in range(reader.xrefs.total_revisions):
            for reference in reader.xrefs.explicit_refs_in_revision(revision):
                reader.get_object(reference)
    except validation.UNREADABLE:
        return False
    return True


def add_fields(pdf: bytes, placements: list[FieldPlacement]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for placement in placements:
        if placement.kind == "text":
            continue
        fields.append_signature_field(writer, _signature_spec(placement))
    for placement in placements:
        if placement.kind == "text":
            _append_text_field(writer, placement)
    stamps.embed_stamp_font(writer, fonts.stamp_font_bytes())
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _signature_spec(placement: FieldPlacement) -> fields.SigFieldSpec:
    if placement.kind == "organisation":
        lock = {
            "field_mdp_spec": fields.FieldMDPSpec(fields.FieldMDPAction.ALL),
            "doc_mdp_update_value": fields.MDPPerm.NO_CHANGES,
        }
    else:
        lock = {
            "field_mdp_spec": fields.FieldMDPSpec(
                fields.FieldMDPAction.INCLUDE, fields=[placement.name]
            )
        }
    return fields.SigFieldSpec(
        sig_field_name=placement.name, on_page=placement.page, box=placement.box, **lock
    )


def _append_text_field(writer, placement: FieldPlacement) -> None:
    page_ref = writer.find_page_for_modification(placement.page)[0]
    field_ref = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/FT"): pdf_name("/Tx"),
                pdf_name("/T"): pdf_string(placement.name),
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/Rect"): generic.ArrayObject(
                    generic.FloatObject(v) for v in placement.box
                ),
                pdf_name("/F"): generic.NumberObject(4),  # printed
                pdf_name("/P"): page_ref,
                pdf_name("/DA"): pdf_string(FILLED_FIELD_APPEARANCE),
            }
        )
    )
    form_fields = writer.root["/AcroForm"]["/Fields"]
    form_fields.append(field_ref)
    writer.update_container(form_fields)
    page = page_ref.get_object()
    if "/Annots" not in page:
        page[pdf_name("/Annots")] = generic.ArrayObject()
        writer.update_container(page)
    annotations = page["/Annots"]
    annotations.append(field_ref)
    writer.update_container(annotations)
