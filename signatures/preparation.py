"""Preparing a rendered PDF for signature: one incremental update that adds every field.

- one signature field per declared signer, locking itself once signed (FieldMDP);
- the organisation signature of the records clerk, which locks the whole form and allows no
  change after it but validation data and timestamps (ND 30: it comes last);
- text fields for what is filled in after the personal signatures (number and date);
- the shared stamp font (see ``stamps``).
"""

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields

from signatures import fonts, stamps
from signatures.rendering import FieldPlacement

FILLED_FIELD_APPEARANCE = "/VnStamp 13 Tf 0 g"


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
