"""The one way a flow makes a signed document: render, declare the signers, collect the
signatures, number and seal, and follow its state.

A flow describes its document as a :class:`Draft` (an ND 30 template, its context and who
signs which field), renders it (:func:`render`) and stores it (:func:`store`) as the document
of an object (its *owner*: a covenant's version, a score sheet…). Each signer then signs his field
(:func:`sign`); the organisation's records clerk numbers the document from the organisation's
register and applies the organisation signature (:func:`register`). Signatures are made by
the background task; the flow hears of each through the handlers it registered for its
document type (:func:`on_document`), called with the owner inside the signature's own
transaction, so that the flow's step and the signature commit, or fail, together.

A new document type needs no code here: a template, a :class:`Draft` and two handlers. Its Word
copy (:func:`word_copy`) comes from the same template.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.dispatch import receiver
from django.utils import timezone, translation

from signatures import docx, rendering, signals
from signatures.models import Document, FieldKind, SignatureField, SigningRequest
from signatures.services import documents, signing_requests
from signatures.services.documents import Signer
from workflows.services import issue_number

#: The text fields a numbered document leaves for the records clerk to fill.
NUMBER_FIELDS = ("number", "date")


@dataclass(frozen=True)
class Draft:
    """A document to render and sign: an ND 30 template, its context, its signers.

    ``signers`` are in the order of the signature area (two blocks a row); an organisation
    signature (``kind=ORGANISATION``) has no block of its own: a personal signer's ``seal``
    names it, and it is placed over his signature. ``numbered`` leaves the number and the
    date for :func:`register` to fill.
    """

    document_type: str
    title: str
    template: str
    context: dict
    signers: list[Signer]
    numbered: bool = False
    level: str | None = None


def signature_blocks(signers: list[Signer]) -> list[rendering.SignatureBlock]:
    return [
        rendering.SignatureBlock(
            name=signer.field,
            authority=signer.unit_name,
            title=signer.title,
            signer_name=signer.signer.get_full_name(),
            organisation_field=signer.seal,
        )
        for signer in signers
        if signer.kind == FieldKind.PERSONAL
    ]


def render(draft: Draft) -> rendering.RenderedPdf:
    """The draft as an ND 30 PDF with a placeholder for every signature and filled field."""
    return rendering.render_pdf(
        draft.template,
        draft.context,
        signature_blocks=signature_blocks(draft.signers),
        text_fields=NUMBER_FIELDS if draft.numbered else (),
    )


def prepare(owners, pk: int, *, draft_of, field: str):
    """Render the draft of the object ``pk`` of the queryset ``owners`` (in the site's language,
    outside any transaction: rendering takes a while) and store it as that object's ``field``,
    the object locked meanwhile. Returns the object, for the flow to announce its document."""
    owner = owners.get(pk=pk)
    with translation.override(settings.LANGUAGE_CODE):
        draft = draft_of(owner)
    rendered = render(draft)
    with transaction.atomic():
        owner = owners.model.objects.select_for_update().get(pk=pk)
        setattr(owner, field, store(draft, rendered, owner=owner))
        owner.save(update_fields=[field])
    return owner


def store(draft: Draft, rendered: rendering.RenderedPdf, *, owner, by=None) -> Document:
    """Store ``draft`` as rendered (render it first, outside the flow's transaction: it takes a
    while) as the document of ``owner``, with its signature fields."""
    return documents.create_document(
        title=draft.title,
        document_type=draft.document_type,
        rendered=rendered,
        signers=draft.signers,
        level=draft.level,
        owner=owner,
        by=by,
    )


def word_copy(draft: Draft, *, document: Document | None = None) -> bytes:
    """``draft`` as a DOCX (signatures.docx), numbered and dated as ``document`` was, once the
    records clerk registered it."""
    return docx.docx_of(
        draft.template,
        draft.context,
        signature_blocks=signature_blocks(draft.signers),
        number=document.issued_number if document is not None else None,
    )


# -- signing --------------------------------------------------------------------------------


def sign(*, field: SignatureField, person, credential, secret=None, prefix: str = ""):
    """Ask for ``person``'s signature of ``field`` (the signer, or his substitute signing with
    the delegation's ``prefix``); the task makes it. Returns the SigningRequest."""
    return signing_requests.request_signature(
        field=field, person=person, credential=credential, secret=secret, signing_prefix=prefix
    )


@transaction.atomic
def register(
    *,
    document: Document,
    person,
    credential,
    organisation,
    symbol: str,
    summary: str,
    secret=None,
    prefix: str = "",
    on: datetime.date | None = None,
):
    """Number ``document`` from ``organisation``'s register and apply its organisation
    signature (the records clerk, ND 30 Điều 15).

    The number is taken once, at the first attempt, and kept on the document: a failed
    signature keeps it for the next attempt. The number and the date are written into the
    document's text fields by the same signature.
    """
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.issued_number_id is None:
        document.issued_number = issue_number(
            organisation=organisation,
            symbol=symbol,
            on=on or timezone.localdate(),
            summary=summary,
            by=person,
        )
        document.save(update_fields=["issued_number"])
    issued = document.issued_number
    return signing_requests.request_signature(
        field=organisation_field(document),
        person=person,
        credential=credential,
        secret=secret,
        signing_prefix=prefix,
        fill={
            "number": rendering.nd30_number(issued.number),
            "date": rendering.nd30_day_month(issued.issued_on),
        },
    )


def abandon(*, document: Document, reason: str, by) -> int:
    """The flow voids ``document`` (a signing round stopped): every signature still under way
    ends as failed with ``reason``. Returns how many."""
    return signing_requests.abandon_open_requests(document=document, reason=reason, by=by)


# -- state --------------------------------------------------------------------------------------


def organisation_field(document: Document) -> SignatureField:
    return document.fields.get(kind=FieldKind.ORGANISATION)


def unsigned_fields(document: Document, *, ordered: bool = False) -> list[SignatureField]:
    """The personal fields still to sign, in the signature area's order; ``ordered``: only
    the next one (signers one after the other)."""
    fields = list(
        document.fields.filter(kind=FieldKind.PERSONAL, revision__isnull=True).order_by("position")
    )
    return fields[:1] if ordered else fields


def all_personal_signed(document: Document) -> bool:
    return not document.fields.filter(kind=FieldKind.PERSONAL, revision__isnull=True).exists()


def signature_under_way(field: SignatureField) -> bool:
    return field.requests.filter(status__in=signing_requests.OPEN_STATUSES).exists()


@dataclass(frozen=True)
class Progress:
    signed: int = 0
    total: int = 0


def personal_progress(document_ids) -> dict[int, Progress]:
    """Personal signatures made and expected, for many documents in one query."""
    rows = (
        SignatureField.objects.filter(document__in=list(document_ids), kind=FieldKind.PERSONAL)
        .values("document")
        .annotate(total=Count("pk"), signed=Count("pk", filter=Q(signed_by__isnull=False)))
    )
    return {row["document"]: Progress(signed=row["signed"], total=row["total"]) for row in rows}


# -- what the flows hear ------------------------------------------------------------------------


@dataclass
class Handlers:
    #: ``signed(owner, field, request)``: a signature landed (inside its transaction).
    signed: Callable | None = None
    #: ``progressed(owner, request)``: a signature under way moved on without landing.
    progressed: Callable | None = None


HANDLERS: dict[str, Handlers] = {}


def on_document(document_type: str, *, signed=None, progressed=None) -> None:
    """Register the flow's handlers of the documents of ``document_type`` (in its apps'
    ``ready``)."""
    HANDLERS[document_type] = Handlers(signed=signed, progressed=progressed)


def _handlers(document: Document) -> Handlers | None:
    handlers = HANDLERS.get(document.document_type)
    return handlers if handlers is not None and document.owner_id is not None else None


@receiver(signals.field_signed, dispatch_uid="signatures.pipeline.field_signed")
def _tell_signed(sender, field, request, **kwargs):
    handlers = _handlers(field.document)
    if handlers is not None and handlers.signed is not None:
        handlers.signed(field.document.owner, field, request)


@receiver(signals.request_changed, dispatch_uid="signatures.pipeline.request_changed")
def _tell_progress(sender, request: SigningRequest, **kwargs):
    document = request.field.document
    handlers = _handlers(document)
    if handlers is not None and handlers.progressed is not None:
        handlers.progressed(document.owner, request)
