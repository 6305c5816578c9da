"""Documents under signature: a rendered (or uploaded) PDF stored with its fields and signers."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from signatures import preparation, validation
from signatures.models import (
    Document,
    FieldKind,
    Revision,
    RevisionKind,
    SignatureField,
    store_content,
)
from signatures.services.uploads import check_upload
from workflows.models import Organisation
from workflows.services import record_event


@dataclass(frozen=True)
class Signer:
    """Who signs which field of a document, as printed in his stamp.

    ``organisation``, when given, is the unit he signs for (its name is the ``unit`` printed
    unless one is given). ``seal`` names the organisation field that the layout puts over this
    personal signature, as ND 30 places the seal over the head's signature.
    """

    field: str
    signer: object
    title: str = ""
    unit: str = ""
    kind: str = FieldKind.PERSONAL
    organisation: Organisation | None = None
    seal: str | None = None

    @property
    def unit_name(self) -> str:
        return self.unit or (self.organisation.name if self.organisation else "")


def add_revision(document: Document, content: bytes, kind: str, by) -> Revision:
    latest = document.revisions.order_by("-number").values_list("number", flat=True).first()
    return Revision.objects.create(
        document=document,
        number=0 if latest is None else latest + 1,
        kind=kind,
        sha256=store_content(content),
        size=len(content),
        created_by=by,
    )


@transaction.atomic
def create_document(
    *,
    title: str,
    document_type: str,
    rendered,
    signers,
    by,
    level: str | None = None,
    certify: bool = True,
    owner=None,
) -> Document:
    """Store a rendered PDF (``rendering.RenderedPdf``) and the revision adding its fields.

    ``rendered`` may also be an uploaded PDF with the placements of its fields. A PDF pyHanko
    cannot sign over (Word's hybrid cross-references) is stored rewritten, after the file as
    given (``preparation.signable_base``); one it cannot take at all is refused with the reason
    (ValidationError). ``signers`` declares, for every signature placeholder to sign, who signs
    it. ``owner`` is what the document is of, for the flow that made it.
    """
    pdf, placements = rendered.content, rendered.fields
    placed = {placement.name: placement for placement in placements}
    for declared in signers:
        expected = "organisation" if declared.kind == FieldKind.ORGANISATION else "signature"
        placement = placed.get(declared.field)
        if placement is None or placement.kind != expected:
            raise ValueError(f"No {expected} placement named {declared.field!r}.")
    check_upload(size=len(pdf), read_head=lambda count: pdf[:count])
    try:
        base = preparation.signable_base(pdf)
    except (preparation.BaseRefused, validation.UnreadablePdf) as error:
        raise ValidationError(str(error)) from error
    rewritten = base != pdf
    document = Document.objects.create(
        title=title,
        document_type=document_type,
        certify=certify,
        created_by=by,
        level=level or settings.SIGNING_LEVELS.get(document_type, settings.SIGNING_DEFAULT_LEVEL),
        owner=owner,
    )
    if rewritten:
        # The file as given stays on record: the signed revisions build on its rewrite.
        add_revision(document, pdf, RevisionKind.UPLOADED, by)
    add_revision(document, base, RevisionKind.RENDERED, by)
    add_revision(document, preparation.add_fields(base, list(placements)), RevisionKind.FIELDS, by)
    for position, declared in enumerate(signers, start=1):
        placement = placed[declared.field]
        SignatureField.objects.create(
            document=document,
            name=declared.field,
            position=position,
            kind=declared.kind,
            signer=declared.signer,
            signer_title=declared.title,
            unit_name=declared.unit_name,
            organisation=declared.organisation,
            page=placement.page,
            box=list(placement.box),
        )
    record_event(
        "document.created",
        actor=by,
        obj=document,
        data={
            "type": document_type,
            "level": document.level,
            "fields": [declared.field for declared in signers],
            "base_rewritten": rewritten,
        },
    )
    return document
