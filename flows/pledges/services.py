"""Every write of the covenant: keyword-only, atomic, checked, audited.

A task step runs under the flow's lock: the person must act in the task's role at its unit
today (himself or as a substitute under a delegation), the covenant's FSM transition is
applied, then the viewflow activation completes. Views, commands and tests call these.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from flows.blocs.models import BlocTerm
from flows.pledges import documents, events, notices, selectors
from flows.pledges.flows import CovenantFlow
from flows.pledges.models import (
    LIVE_STATUSES,
    Commitment,
    Covenant,
    CovenantStatus,
    CovenantVersion,
    Decision,
    ReviewOpinion,
    SigningDecline,
    Target,
)
from flows.rules import selectors as rules_selectors
from flows.rules.services import criteria
from signatures import pipeline
from signatures.models import FieldKind, SignatureField
from workflows import services as workflow_services
from workflows.acting import (
    OPEN_STATUSES,
    acting_on,
    announce_tasks,
    finish,
    refuse,
    tracking_tasks,
)
from workflows.background import enqueue_on_commit
from workflows.models import Appointment, Role
from workflows.resolvers import actor_for
from workflows.services import copy_attachments

DEFAULT_BASIS = "\n".join(
    [
        "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;",
        "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ quy định chi"
        " tiết và hướng dẫn thi hành một số điều của Luật Thi đua, khen thưởng;",
        "Căn cứ Quy chế tổ chức và hoạt động của Khối thi đua.",
    ]
)


# -- starting --------------------------------------------------------------------------------


@transaction.atomic
def start_covenant(*, term, by) -> Covenant:
    """Open the covenant of ``term``: version 1, pre-filled from last year's covenant."""
    today = timezone.localdate()
    leader = term.leader
    if not any(actor_for(by, role, leader, today) for role in (Role.EMULATION_OFFICER, Role.HEAD)):
        raise PermissionDenied(
            _(
                "Only the emulation officer or the head of the leader unit (%(unit)s) may draft"
                " the covenant."
            )
            % {"unit": leader}
        )
    existing = (
        Covenant.objects.select_for_update()
        .filter(term=term)
        .exclude(status=CovenantStatus.WITHDRAWN)
    )
    if (covenant := existing.first()) is not None:
        refuse(
            _("%(bloc)s already has a covenant for %(year)s (%(status)s).")
            % {
                "bloc": term.bloc,
                "year": term.year,
                "status": covenant.get_status_display().lower(),
            }
        )
    covenant = Covenant.objects.create(term=term, created_by=by)
    _copy_version(_previous_version(term), covenant, number=1, by=by)
    events.covenant_event("covenant.started", covenant, actor=by, bloc=term.bloc.code)
    process = CovenantFlow.start.run(covenant=covenant)
    announce_tasks(process.pk, before={})
    return covenant


def startable_terms(user, today: datetime.date):
    """Terms of this year or later led by a unit ``user`` drafts for, with no covenant yet."""
    units = Appointment.objects.current(today).filter(
        user=user, role__in=[Role.EMULATION_OFFICER, Role.HEAD]
    )
    return (
        BlocTerm.objects.filter(year__gte=today.year, leader__in=units.values("organisation"))
        .exclude(covenants__status__in=LIVE_STATUSES)
        .select_related("bloc")
        .order_by("year", "bloc__name")
    )


def _previous_version(term) -> CovenantVersion | None:
    return (
        CovenantVersion.objects.filter(
            covenant__term__bloc=term.bloc, covenant__term__year__lt=term.year
        )
        .exclude(covenant__status=CovenantStatus.WITHDRAWN)
        .order_by("-covenant__term__year", "-number")
        .first()
    )


def _copy_version(source, covenant, *, number, by) -> CovenantVersion:
    year = covenant.term.year
    if source is None:
        version = CovenantVersion.objects.create(
            covenant=covenant,
            number=number,
            title=_("Emulation covenant of %(year)s") % {"year": year},
            basis=DEFAULT_BASIS,
            created_by=by,
        )
        return version
    version = CovenantVersion.objects.create(
        covenant=covenant,
        number=number,
        title=source.title.replace(str(source.covenant.term.year), str(year)),
        basis=source.basis,
        theme=source.theme if source.covenant_id == covenant.pk else "",
        preamble=source.preamble.replace(str(source.covenant.term.year), str(year)),
        closing=source.closing,
        created_by=by,
    )
    Commitment.objects.bulk_create(
        Commitment(version=version, position=c.position, heading=c.heading, text=c.text)
        for c in source.commitments.all()
    )
    Target.objects.bulk_create(
        Target(
            version=version,
            position=t.position,
            code=t.code,
            text=t.text,
            value=t.value,
            unit=t.unit,
        )
        for t in source.targets.all()
    )
    copy_attachments(source=source, target=version)
    return version


# -- acting on a task ---------------------------------------------------------------------------


def _covenant(activation) -> Covenant:
    return Covenant.objects.select_for_update().get(pk=activation.process.covenant_id)


def _audit(action, actor, covenant, **data):
    events.covenant_event(
        action,
        covenant,
        actor=actor.person,
        on_behalf_of=actor.on_behalf_of,
        prefix=actor.signing_prefix,
        **data,
    )


# -- drafting -----------------------------------------------------------------------------------


def _clean_targets(targets: list[dict]) -> list[dict]:
    cleaned, seen = [], set()
    for position, target in enumerate(targets, start=1):
        code = (target.get("code") or "").strip()
        text = (target.get("text") or "").strip()
        if not code or not text:
            refuse(_("Target %(position)s needs both a code and a text.") % {"position": position})
        if code.upper() in seen:
            refuse(_("The target code %(code)s is used twice.") % {"code": code})
        seen.add(code.upper())
        try:
            value = Decimal(str(target.get("value")).replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0:
            refuse(
                _("Target %(code)s needs a value of zero or more (for example 95).")
                % {"code": code}
            )
        cleaned.append({**target, "code": code, "text": text, "value": value})
    return cleaned


@transaction.atomic
def save_draft(
    *,
    task,
    by,
    title: str,
    basis: str = "",
    theme: str = "",
    preamble: str = "",
    closing: str = "",
    commitments: list[dict],
    targets: list[dict],
) -> CovenantVersion:
    """Save the draft text: in place while it is being drafted, as a new version once the
    current one went to review (every version stays as it was reviewed)."""
    targets = _clean_targets(targets)
    if not (title or "").strip():
        refuse(_("The covenant needs a title."))
    with acting_on(task, by, "draft") as (activation, actor):
        covenant = _covenant(activation)
        version = selectors.current_version(covenant)
        if version.is_frozen:
            frozen, version = (
                version,
                CovenantVersion.objects.create(
                    covenant=covenant, number=version.number + 1, title=title, created_by=by
                ),
            )
            copy_attachments(source=frozen, target=version)
        version.title, version.basis, version.theme = title.strip(), basis.strip(), theme.strip()
        version.preamble, version.closing = preamble.strip(), closing.strip()
        version.save()
        version.commitments.all().delete()
        version.targets.all().delete()
        Commitment.objects.bulk_create(
            Commitment(
                version=version,
                position=position,
                heading=(item.get("heading") or "").strip(),
                text=(item.get("text") or "").strip(),
            )
            for position, item in enumerate(
                (c for c in commitments if (c.get("text") or "").strip()), start=1
            )
        )
        Target.objects.bulk_create(
            Target(
                version=version,
                position=position,
                code=item["code"],
                text=item["text"],
                value=item["value"],
                unit=(item.get("unit") or "").strip(),
            )
            for position, item in enumerate(targets, start=1)
        )
        _audit("covenant.draft_saved", actor, covenant, version=version.number)
    return version


@transaction.atomic
def attach(*, task, by, name: str, file):
    """Attach a document to the draft (a new version if the current one was reviewed)."""
    with acting_on(task, by, "draft") as (activation, actor):
        covenant = _covenant(activation)
        version = selectors.current_version(covenant)
        if version.is_frozen:
            refuse(_("Save the changed text first: attachments join the new version."))
        attachment = workflow_services.attach(
            owner=version,
            name=name,
            upload=file,
            by=by,
            on_behalf_of=actor.on_behalf_of,
        )
        events.covenant_event(
            "covenant.attached",
            covenant,
            audit=False,  # workflows.services.attach recorded it
            version=version.number,
            name=attachment.name,
        )
    return attachment


@transaction.atomic
def submit_draft(*, task, by) -> Covenant:
    """Send the current version to every member unit for review."""
    with acting_on(task, by, "draft") as (activation, actor):
        covenant = _covenant(activation)
        version = selectors.current_version(covenant)
        if version.is_frozen:
            refuse(
                _("Version %(number)s was already reviewed: change the text to make a new one.")
                % {"number": version.number}
            )
        if not version.commitments.exists():
            refuse(_("The draft needs at least one commitment."))
        if not version.targets.exists():
            refuse(_("The draft needs at least one target."))
        version.submitted_at = timezone.now()
        version.save(update_fields=["submitted_at"])
        covenant.submit_for_review()
        covenant.save()
        _audit("covenant.submitted", actor, covenant, version=version.number)
        activation.process.covenant = covenant
        finish(activation, by)
    return covenant


@transaction.atomic
def withdraw(*, task, by, reason: str) -> Covenant:
    """Withdraw the covenant, from drafting or after a declined signature."""
    if not reason.strip():
        refuse(_("Say why the covenant is withdrawn."))
    with acting_on(task, by, task.flow_task.name) as (activation, actor):
        if activation.task.flow_task.name not in ("draft", "answer_decline"):
            refuse(_("The covenant can be withdrawn only while drafting or after a decline."))
        covenant = _covenant(activation)
        covenant.withdraw()
        covenant.save()
        _audit("covenant.withdrawn", actor, covenant, reason=reason.strip())
        activation.process.covenant = covenant
        finish(activation, by)
    return covenant


# -- member review ------------------------------------------------------------------------------


@transaction.atomic
def review_draft(*, task, by, decision: str, comment: str = "") -> ReviewOpinion:
    """A member unit's opinion on the draft under review."""
    if decision not in Decision.values:
        raise ValueError(decision)
    if decision == Decision.REQUEST_CHANGES and not comment.strip():
        refuse(_("Say which changes your unit requests."))
    with acting_on(task, by, "review") as (activation, actor):
        covenant = _covenant(activation)
        version = selectors.current_version(covenant)
        opinion = ReviewOpinion.objects.create(
            version=version,
            organisation_id=activation.task.data["unit"],
            person=actor.person,
            on_behalf_of=actor.on_behalf_of,
            decision=decision,
            comment=comment.strip(),
        )
        _audit(
            "covenant.reviewed",
            actor,
            covenant,
            version=version.number,
            unit=activation.task.data["unit"],
            decision=decision,
        )
        finish(activation, by)
    return opinion


# -- adoption and the document ------------------------------------------------------------------


@transaction.atomic
def adopt(*, task, by) -> Covenant:
    """The leader unit's head adopts the reviewed text; its PDF is prepared in the background."""
    with acting_on(task, by, "adopt") as (activation, actor):
        covenant = _covenant(activation)
        version = selectors.current_version(covenant)
        documents.check_signers(version)
        covenant.adopt()
        covenant.save()
        _adopt_criteria(version, by)
        _audit("covenant.adopted", actor, covenant, version=version.number)
        activation.process.covenant = covenant
        finish(activation, by)
    enqueue_on_commit("pledges.prepare_document", version.pk)
    return covenant


def _adopt_criteria(version: CovenantVersion, by) -> None:
    """The term's latest criteria set is adopted with the covenant and listed in it."""
    criteria_set = rules_selectors.latest_criteria_set(version.covenant.term)
    if criteria_set is not None:
        version.criteria_set = criteria.adopt(criteria_set=criteria_set, by=by)
        version.save(update_fields=["criteria_set"])


def prepare_document(version_id: int) -> None:
    """Render the adopted version, store it with its signature fields, open the signing."""
    version = CovenantVersion.objects.select_related("covenant__term__bloc").get(pk=version_id)
    draft = documents.draft(version)
    rendered = pipeline.render(draft)
    with transaction.atomic():
        document = pipeline.store(draft, rendered, owner=version)
        waiting = CovenantFlow.task_class.objects.get(
            process__covenantprocess__covenant_id=version.covenant_id,
            flow_task=CovenantFlow.prepare_document,
            status=STATUS.NEW,
        )
        with tracking_tasks(waiting.process_id):
            CovenantFlow.prepare_document.run(waiting, version=version, document=document)


# -- signing ----------------------------------------------------------------------------------


def _signing_field(activation, covenant) -> SignatureField:
    version = selectors.current_version(covenant)
    if activation.task.data.get("version") != version.pk:
        refuse(
            _(
                "A newer version (%(number)s) of the covenant exists: this one can no longer be"
                " signed."
            )
            % {"number": version.number}
        )
    return SignatureField.objects.get(pk=activation.task.data["field"])


@transaction.atomic
def sign(*, task, by, credential, secret: str | None = None):
    """Queue the head's signature (or his substitute's, with the prefix of the delegation).

    The task completes when the signature lands (``on_field_signed``); a failed attempt
    leaves it open, with the reason on the signing request.
    """
    with acting_on(task, by, "sign") as (activation, actor):
        covenant = _covenant(activation)
        if covenant.status != CovenantStatus.SIGNING:
            refuse(
                _("The covenant is not being signed (%(status)s).")
                % {"status": covenant.get_status_display().lower()}
            )
        field = _signing_field(activation, covenant)
        request = pipeline.sign(
            field=field,
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        _audit("covenant.signature_requested", actor, covenant, field=field.name)
    return request


@transaction.atomic
def decline(*, task, by, reason: str) -> SigningDecline:
    """A head refuses to sign: the round stops and the leader unit decides what follows."""
    if not reason.strip():
        refuse(_("Say why you decline to sign."))
    with acting_on(task, by, "sign") as (activation, actor):
        covenant = _covenant(activation)
        field = _signing_field(activation, covenant)
        if pipeline.signature_under_way(field):
            refuse(_("Your signature is under way: it can no longer be declined."))
        declined = SigningDecline.objects.create(
            version=selectors.current_version(covenant),
            organisation_id=activation.task.data["unit"],
            person=actor.person,
            on_behalf_of=actor.on_behalf_of,
            reason=reason.strip(),
        )
        _stop_signing(covenant, declined, by)
        _audit("covenant.signature_declined", actor, covenant, reason=declined.reason)
        activation.process.covenant = covenant
        finish(activation, by)
        notices.declined(declined)
    return declined


def _stop_signing(covenant: Covenant, declined: SigningDecline, by) -> None:
    """The round stops on ``declined``: signatures still under way on its version end too
    (queued ones would land on a void document, outside signers would wait for ever)."""
    covenant.decline()
    covenant.save()
    pipeline.abandon(
        document=declined.version.document,
        reason=_("The signing round was stopped: %(reason)s") % {"reason": declined.reason},
        by=by,
    )


@transaction.atomic
def answer_decline(*, task, by, reopen: bool, reason: str = "") -> Covenant:
    """The leader unit re-opens the draft (a new version, signed again) or withdraws."""
    if not reopen:
        return withdraw(task=task, by=by, reason=reason)
    with acting_on(task, by, "answer_decline") as (activation, actor):
        covenant = _covenant(activation)
        current = selectors.current_version(covenant)
        covenant.reopen()
        covenant.save()
        version = _copy_version(current, covenant, number=current.number + 1, by=by)
        _audit("covenant.reopened", actor, covenant, version=version.number)
        activation.process.covenant = covenant
        finish(activation, by)
    return covenant


def membership_changed(*, term, by) -> None:
    """After a term's members or leader changed: a covenant being signed needs a new version.

    The signing round stops as if declined (the reason says why) and the leader unit re-opens
    it with the new members or withdraws it. Before signing nothing is needed: the document
    and its signature tasks are made from the membership of the day of adoption.
    """
    covenant = Covenant.objects.filter(term=term, status=CovenantStatus.SIGNING).first()
    if covenant is None:
        return
    task = CovenantFlow.task_class.objects.filter(
        process__covenantprocess__covenant=covenant,
        flow_task=CovenantFlow.sign,
        status__in=OPEN_STATUSES,
    ).first()
    with transaction.atomic(), task.activation() as activation:
        covenant = _covenant(activation)
        declined = SigningDecline.objects.create(
            version=selectors.current_version(covenant),
            organisation=term.leader,
            person=by,
            membership_changed=True,
            reason=_(
                "The members of the bloc changed during the signing: the covenant needs a new"
                " version, signed by the heads of the new members."
            ),
        )
        _stop_signing(covenant, declined, by)
        events.covenant_event(
            "covenant.signing_stopped", covenant, actor=by, reason=declined.reason
        )
        activation.process.covenant = covenant
        finish(activation, by)
        notices.declined(declined)


# -- numbering and the organisation signature ---------------------------------------------------


@transaction.atomic
def register(*, task, by, credential, secret: str | None = None):
    """The records clerk numbers and dates the covenant and applies the organisation signature.

    The number is taken once, at the first attempt: a failed signature keeps it.
    """
    with acting_on(task, by, "register") as (activation, actor):
        covenant = _covenant(activation)
        if covenant.status != CovenantStatus.SIGNED:
            refuse(_("Every member head must sign before the covenant is numbered."))
        request = pipeline.register(
            document=selectors.current_version(covenant).document,
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
            organisation=covenant.term.leader,
            symbol=documents.document_symbol(covenant.term),
            summary=str(covenant),
        )
        issued = request.field.document.issued_number
        _audit("covenant.registration_requested", actor, covenant, number=issued.label)
    return request


def on_field_signed(version: CovenantVersion, field: SignatureField, request) -> None:
    """A signature landed on a version's document: complete the task waiting for it."""
    node = CovenantFlow.register if field.kind == FieldKind.ORGANISATION else CovenantFlow.sign
    tasks = CovenantFlow.task_class.objects.filter(
        process__covenantprocess__covenant_id=version.covenant_id,
        flow_task=node,
        status__in=OPEN_STATUSES,
    )
    if field.kind == FieldKind.PERSONAL:
        tasks = tasks.filter(data__field=field.pk)
    waiting = tasks.first()
    if waiting is None:
        # The round was stopped by a decline meanwhile: the signature stays on the void version.
        return
    with waiting.activation() as activation:
        covenant = _covenant(activation)
        if field.kind == FieldKind.ORGANISATION:
            covenant.enter_into_force()
        elif pipeline.all_personal_signed(field.document):
            covenant.complete_signing()
        covenant.save()
        events.covenant_event(
            "covenant.signed" if field.kind == FieldKind.PERSONAL else "covenant.in_force",
            covenant,
            actor=request.person,
            on_behalf_of=field.signer if field.signer_id != request.person_id else None,
            field=field.name,
        )
        activation.process.covenant = covenant
        finish(activation, request.person)
    if covenant.status == CovenantStatus.IN_FORCE:
        notices.in_force(covenant)
