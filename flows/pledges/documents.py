"""The covenant as an ND 30/2020 PDF: one signature field per member head, in the members'
order, and the leader unit's organisation signature over its head's signature."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.blocs.selectors import member_units
from flows.pledges.models import DOCUMENT_SYMBOL, CovenantVersion
from flows.pledges.selectors import ORGANISATION_FIELD, signature_field_name
from flows.rules.selectors import criteria_table
from signatures import pipeline
from signatures.models import FieldKind
from workflows.models import Role
from workflows.resolvers import holders

TEMPLATE = "pledges/documents/covenant.html"
DOCUMENT_TYPE = "covenant"


def document_symbol(term) -> str:
    """GƯ-<symbol of the leader unit>, the unit whose register numbers the covenant."""
    leader = term.leader
    return f"{DOCUMENT_SYMBOL}-{(leader.abbreviation or leader.code).upper()}"


def _holder(role: str, unit, day):
    appointments = holders(role, unit, day)
    if not appointments:
        raise ValidationError(
            _("%(unit)s has no %(role)s on %(day)s: appoint one before adopting the covenant.")
            % {"unit": unit, "role": Role(role).label.lower(), "day": day.strftime("%d/%m/%Y")}
        )
    return appointments[0]


def check_signers(version: CovenantVersion) -> None:
    """Refuse adoption while a member unit has no head or the leader unit no records clerk."""
    _signers(version.covenant.term, timezone.localdate())


def draft(version: CovenantVersion) -> pipeline.Draft:
    """``version`` as a document to sign by the heads holding office today, then numbered."""
    term = version.covenant.term
    title = _("Emulation covenant %(year)s of %(bloc)s, version %(number)s") % {
        "year": term.year,
        "bloc": term.bloc.name,
        "number": version.number,
    }
    return pipeline.Draft(
        document_type=DOCUMENT_TYPE,
        title=title,
        template=TEMPLATE,
        context=_context(version),
        signers=_signers(term, timezone.localdate()),
        numbered=True,
    )


def _signers(term, today) -> list[pipeline.Signer]:
    """Every member head in the members' order; the leader unit's records clerk applies the
    organisation signature over its head's."""
    signers = []
    for unit in member_units(term):
        head = _holder(Role.HEAD, unit, today)
        signers.append(
            pipeline.Signer(
                field=signature_field_name(unit.pk),
                signer=head.user,
                title=head.title or Role.HEAD.label,
                organisation=unit,
                seal=ORGANISATION_FIELD if unit.pk == term.leader_id else None,
            )
        )
    clerk = _holder(Role.RECORDS_CLERK, term.leader, today)
    signers.append(
        pipeline.Signer(
            field=ORGANISATION_FIELD,
            signer=clerk.user,
            title=clerk.title or Role.RECORDS_CLERK.label,
            organisation=term.leader,
            kind=FieldKind.ORGANISATION,
        )
    )
    return signers


def _context(version: CovenantVersion) -> dict:
    term = version.covenant.term
    jurisdiction = term.bloc.jurisdiction
    return {
        "parent_body": jurisdiction.name,
        "issuing_body": term.bloc.name,
        "symbol": document_symbol(term),
        "place": jurisdiction.place_name or jurisdiction.name,
        # The year printed in "ngày … tháng … năm": the covenant is numbered and dated within
        # days of its adoption, so in the year it is rendered, not necessarily the term's.
        "year": timezone.localdate().year,
        "term_year": term.year,
        "document_type": f"BẢN GIAO ƯỚC THI ĐUA NĂM {term.year}",
        "summary": version.title,
        "version": version,
        "basis": version.basis_lines(),
        "commitments": list(version.commitments.all()),
        "targets": list(version.targets.all()),
        "criteria_set": version.criteria_set,
        "criteria": criteria_table(version.criteria_set) if version.criteria_set else [],
        "recipients": [
            "Các đơn vị thành viên",
            "Ban Thi đua - Khen thưởng",
            "Lưu: VT",
        ],
    }
