"""The province's award decision (P10, T17).

The home-affairs department drafts the decision on every nominee of a year the province decides
(the provincial certificates it agreed, the provincial flags the council passed); each award's
amount is its coefficient × the base salary, rounded up to the rule set's step
(``money.coefficients``, ``money.base_salary_vnd``, ``money.rounding_vnd``; NĐ 152/2025 Điều
49–55; a collective's certificate has its own, doubled, coefficient). The chairman of the
People's Committee signs it (TM. ỦY BAN NHÂN DÂN; his vice-chairman under a delegation, KT.),
its records clerk numbers it from the committee's register (QĐ-UBND) and seals it: the decision
is issued, the award history is written from it, and the nominees' units are told.
"""

import math
from fractions import Fraction

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.awards import services as award_services
from flows.awards.models import AwardType, Source
from flows.nominations import documents, events, selectors
from flows.nominations.flows import DecisionFlow
from flows.nominations.models import (
    AWARD_TYPES,
    AwardDecision,
    BlocAward,
    DecisionLine,
    DecisionStatus,
)
from flows.nominations.services.common import acting_in, holder_of
from flows.rules import selectors as rules
from notifications.services import notify
from signatures import pipeline
from signatures.models import FieldKind
from workflows.acting import acting_on, announce_tasks, finish, open_tasks, refuse
from workflows.background import enqueue_on_commit
from workflows.models import Role
from workflows.resolvers import holders

MONEY_RULES = ["money.base_salary_vnd", "money.rounding_vnd", "money.coefficients"]
#: The coefficient of each award the province decides, for a collective (NĐ 152 Điều 50–55).
COEFFICIENTS = {
    BlocAward.CO_TINH: "CO_TINH",
    BlocAward.BK_TOAN_DIEN: "BK_TINH_TAP_THE",
    BlocAward.BK_CHUYEN_DE: "BK_TINH_TAP_THE",
}
SYMBOL = "QĐ-UBND"


def amount_of(coefficient: Fraction, base_salary: int, rounding: int) -> int:
    """The award's money: coefficient × base salary, rounded **up** to ``rounding`` đồng."""
    return math.ceil(coefficient * base_salary / rounding) * rounding


def _audit(action, by, decision, **data):
    events.decision_event(action, decision, actor=by, **data)


@transaction.atomic
def draft_decision(*, jurisdiction, year: int, by) -> AwardDecision:
    """A home-affairs officer of the jurisdiction drafts the decision on every nominee of
    ``year`` the province decides; it is rendered for the chairman's signature."""
    department = selectors.home_affairs_of(jurisdiction)
    if department is None or acting_in(by, department, [Role.HOME_AFFAIRS_OFFICER]) is None:
        refuse(
            _("Only a home-affairs officer of %(jurisdiction)s drafts its award decisions.")
            % {"jurisdiction": jurisdiction}
        )
    issuer = selectors.people_committee_of(jurisdiction)
    if issuer is None:
        refuse(
            _("%(jurisdiction)s has no People's Committee on record.")
            % {"jurisdiction": jurisdiction}
        )
    today = timezone.localdate()
    holder_of(Role.HEAD, issuer, today, _("signatory"))
    holder_of(Role.RECORDS_CLERK, issuer, today, _("records clerk"))
    appraisals = list(selectors.decidable(jurisdiction, year).select_for_update(of=("self",)))
    if not appraisals:
        refuse(_("No nominee of %(year)s awaits a decision of the province.") % {"year": year})
    found = rules.rulings(MONEY_RULES, on=today, jurisdiction=jurisdiction)
    decision = AwardDecision.objects.create(issuer=issuer, year=year, rulings=found, drafted_by=by)
    coefficients = {
        name: Fraction(value) for name, value in found["money.coefficients"]["value"].items()
    }
    base, rounding = found["money.base_salary_vnd"]["value"], found["money.rounding_vnd"]["value"]
    DecisionLine.objects.bulk_create(
        _line(decision, appraisal, coefficients, base, rounding) for appraisal in appraisals
    )
    process = DecisionFlow.start.run(decision=decision)
    announce_tasks(process.pk, before={})
    _audit("decision.drafted", by, decision, lines=len(appraisals))
    enqueue_on_commit("nominations.prepare_decision", decision.pk)
    return decision


def _line(decision, appraisal, coefficients, base, rounding) -> DecisionLine:
    award = BlocAward(appraisal.candidacy.award)
    award_type, kind = AWARD_TYPES[award]
    coefficient = coefficients[COEFFICIENTS[award]]
    return DecisionLine(
        decision=decision,
        appraisal=appraisal,
        award_type=award_type,
        kind=kind,
        coefficient=str(coefficient),
        amount=amount_of(coefficient, base, rounding),
    )


def prepare_decision(decision_id: int) -> None:
    """Render the decision with its list, for the chairman, then the records clerk."""
    decision = pipeline.prepare(
        AwardDecision.objects.select_related("issuer__parent"),
        decision_id,
        draft_of=documents.decision_draft,
        field="document",
    )
    events.decision_event("decision.ready", decision, audit=False)


def _task_decision(activation, expected) -> AwardDecision:
    decision = AwardDecision.objects.select_for_update().get(pk=activation.process.decision_id)
    if decision.status != expected or decision.document_id is None:
        refuse(_("The decision is not ready for this step yet."))
    return decision


@transaction.atomic
def sign_decision(*, task, by, credential, secret: str | None = None):
    """The chairman signs (or his vice-chairman under a delegation: KT. CHỦ TỊCH)."""
    with acting_on(task, by, "sign") as (activation, actor):
        decision = _task_decision(activation, DecisionStatus.SIGNING)
        request = pipeline.sign(
            field=decision.document.fields.get(name=documents.HEAD_FIELD),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        _audit("decision.signature_requested", by, decision)
    return request


@transaction.atomic
def register_decision(*, task, by, credential, secret: str | None = None):
    """The committee's records clerk numbers the decision (QĐ-UBND) and seals it."""
    with acting_on(task, by, "register") as (activation, actor):
        decision = _task_decision(activation, DecisionStatus.REGISTERING)
        request = pipeline.register(
            document=decision.document,
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
            organisation=decision.issuer,
            symbol=SYMBOL,
            summary=str(decision),
        )
        _audit(
            "decision.registration_requested",
            by,
            decision,
            number=request.field.document.issued_number.label,
        )
    return request


def on_decision_signed(owner: AwardDecision, field, request) -> None:
    """The chairman signed (on to the clerk), or the clerk sealed it: issued."""
    sealed = field.kind == FieldKind.ORGANISATION
    node = DecisionFlow.register if sealed else DecisionFlow.sign
    waiting = open_tasks(node, process__decisionprocess__decision_id=owner.pk).first()
    if waiting is None:
        return
    with waiting.activation() as activation:
        decision = AwardDecision.objects.select_for_update().get(pk=owner.pk)
        if sealed:
            decision.issue()
            decision.issued_at = timezone.now()
            decision.save()
            _write_history(decision)
            _tell(decision)
        else:
            decision.signed()
            decision.save()
        events.decision_event(
            "decision.issued" if sealed else "decision.signed",
            decision,
            actor=request.person,
            number=decision.document.issued_number.label if sealed else "",
        )
        activation.process.decision = decision
        finish(activation, request.person)


def _write_history(decision: AwardDecision) -> None:
    """One award record per line, from the issued decision (R-01 and R-08 read them)."""
    issued = decision.document.issued_number
    types = {award.code: award for award in AwardType.objects.all()}
    decided_by = _("Chairman of the People's Committee of %(jurisdiction)s") % {
        "jurisdiction": decision.issuer.parent.name
    }
    for line in selectors.lines_of(decision):
        line.record = award_services.record_award(
            unit=line.appraisal.candidacy.unit,
            award_type=types[line.award_type],
            kind=line.kind,
            year=decision.year,
            decision_number=issued.label,
            decision_date=issued.issued_on,
            decided_by=str(decided_by),
            note=_("Decided on this site; %(amount)s đồng.")
            % {"amount": f"{line.amount:,}".replace(",", ".")},
            by=None,
            source=Source.SITE,
        )
        line.save(update_fields=["record"])


def _tell(decision: AwardDecision) -> None:
    """The heads and emulation officers of the units awarded and of their blocs' leaders."""
    today = timezone.localdate()
    lines = selectors.lines_of(decision)
    units = {line.appraisal.candidacy.unit for line in lines}
    units |= {line.appraisal.candidacy.meeting.term.leader for line in lines}
    users = [
        appointment.user
        for unit in units
        for role in (Role.HEAD, Role.EMULATION_OFFICER)
        for appointment in holders(role, unit, today)
    ]
    number = decision.document.issued_number.label
    notify(
        users=users,
        event="decision.issued",
        title=_("Award decision %(number)s issued") % {"number": number},
        body=_("%(count)s collective(s) awarded for %(year)s.")
        % {"count": len(lines), "year": decision.year},
        url=reverse("thidua:decisions:detail", args=[decision.pk]),
    )
