"""The covenant process (DOMAIN.md §5 P3) as a viewflow flow.

viewflow decides who acts next; every decision it takes reads the covenant's FSM status, which
only the services change. Loops: changes requested → drafting again; ordered signing → one
signature task at a time; a declined signature → the leader unit re-opens or withdraws.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from flows.pledges import events
from flows.pledges.models import Covenant, CovenantProcess, CovenantStatus, Decision
from flows.pledges.selectors import (
    current_version,
    may_see_covenant,
    review_items,
    signing_items,
)
from workflows.access import ProcessVisibility
from workflows.locks import process_row_lock
from workflows.models import DelegationScope, Role
from workflows.nodes import FanOut, RoleTask

#: The steps' views, named by path: they call the services, which start this flow.
VIEWS = "flows.pledges.views"

#: Days the leader unit has for its own steps (adoption, answering a decline); the records
#: clerk numbers and dispatches on the same or the next working day (ND 30/2020 Điều 18).
LEADER_DAYS = 3
CLERK_DAYS = 1


def _leader(process):
    return process.covenant.term.leader


def _reminders(process):
    bloc = process.covenant.term.bloc
    return bloc.reminder_days, bloc.escalate_overdue


def _status_is(*statuses):
    return lambda activation: activation.process.covenant.status in statuses


class CovenantFlow(ProcessVisibility, flow.Flow):
    process_class = CovenantProcess
    # Not viewflow's select_for_update_lock: see workflows/locks.py.
    lock_impl = staticmethod(process_row_lock)
    process_title = _("Emulation covenant")
    # The covenant and where it stands, in the inbox and on the process page: what and whose.
    process_summary_template = (
        "{{ process.covenant }}: {{ process.covenant.get_status_display|lower }}"
    )
    #: What the summary reads, joined by the engine's task lists (workflows.views).
    summary_related = ["covenant__term__bloc"]
    process_description = _(
        "Drafting, member review, adoption and signing of a bloc's yearly emulation covenant."
    )

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Open the covenant"))
        .Next(this.draft)
    )

    def may_see_process(self, user, process) -> bool:
        return may_see_covenant(user, process.covenant_id)

    draft = (
        RoleTask(f"{VIEWS}.DraftView")
        .Role(
            Role.EMULATION_OFFICER,
            unit=_leader,
            reason=_("the leader unit of the bloc drafts its covenant"),
        )
        .Annotation(title=_("Draft the covenant"))
        .Permission("pledges.manage_covenantprocess")
        .Next(this.after_draft)
    )
    after_draft = (
        flow.If(_status_is(CovenantStatus.REVIEW))
        .Annotation(title=_("Was the draft sent for review?"))
        .Then(this.review_split)
        .Else(this.end)
    )

    review_split = (
        FanOut()
        .Annotation(title=_("Ask every member unit for its opinion"))
        .Next(this.review, data_source=review_items)
    )
    review = (
        RoleTask(f"{VIEWS}.ReviewView")
        .Role(
            Role.HEAD,
            action=DelegationScope.REVIEW,
            due_days=lambda process: process.covenant.term.bloc.review_days,
            reminders=_reminders,
            reason=_("every member unit comments on the draft"),
        )
        .Annotation(title=_("Comment on the draft covenant"))
        .Permission("pledges.manage_covenantprocess")
        .Next(this.review_join)
    )
    review_join = flow.Join().Annotation(title=_("Gather the opinions")).Next(this.settle_review)
    settle_review = (
        flow.Function(this.conclude_review)
        .Annotation(title=_("Conclude the review"))
        .Next(this.check_review)
    )
    check_review = (
        flow.If(_status_is(CovenantStatus.REVIEWED))
        .Annotation(title=_("Did every unit agree?"))
        .Then(this.adopt)
        .Else(this.draft)
    )

    adopt = (
        RoleTask(f"{VIEWS}.AdoptView")
        .Role(
            Role.HEAD,
            unit=_leader,
            due_days=lambda process: LEADER_DAYS,
            reminders=_reminders,
            reason=_("the head of the leader unit adopts the reviewed text"),
        )
        .Annotation(title=_("Adopt the covenant"))
        .Permission("pledges.manage_covenantprocess")
        .Next(this.prepare_document)
    )
    # Waits for the background rendering of the PDF (tasks.prepare_document).
    prepare_document = (
        flow.Handle(this.attach_document)
        .Annotation(title=_("Prepare the PDF for signing"))
        .Next(this.sign_split)
    )

    sign_split = (
        FanOut()
        .Annotation(title=_("Ask the heads for their signatures"))
        .Next(this.sign, data_source=signing_items)
    )
    sign = (
        RoleTask(f"{VIEWS}.SignView")
        .Role(
            Role.HEAD,
            action=DelegationScope.SIGN,
            due_days=lambda process: process.covenant.term.bloc.signing_days,
            reminders=_reminders,
            reason=_("the head of every member unit signs the covenant"),
        )
        .Annotation(title=_("Sign the covenant"))
        .Permission("pledges.manage_covenantprocess")
        .Next(this.sign_join)
    )
    # A decline stops the round at once: the other signature tasks are cancelled.
    sign_join = (
        flow.Join(
            continue_on_condition=lambda activation, active: (
                activation.process.covenant.status == CovenantStatus.DECLINED
            )
        )
        .Annotation(title=_("Gather the signatures"))
        .Next(this.after_signing)
    )
    after_signing = (
        flow.Switch()
        .Annotation(title=_("Signed, declined, or the next head?"))
        .Case(this.answer_decline, _status_is(CovenantStatus.DECLINED))
        .Case(this.register, _status_is(CovenantStatus.SIGNED))
        .Default(this.sign_split)  # ordered signing: the next head
    )

    answer_decline = (
        RoleTask(f"{VIEWS}.AnswerDeclineView")
        .Role(
            Role.HEAD,
            unit=_leader,
            due_days=lambda process: LEADER_DAYS,
            reminders=_reminders,
            reason=_("a member head declined to sign; the leader unit answers"),
        )
        .Annotation(title=_("Answer a declined signature"))
        .Permission("pledges.manage_covenantprocess")
        .Next(this.after_answer)
    )
    after_answer = (
        flow.If(_status_is(CovenantStatus.DRAFT))
        .Annotation(title=_("Reopened or withdrawn?"))
        .Then(this.draft)
        .Else(this.end)
    )

    register = (
        RoleTask(f"{VIEWS}.RegisterView")
        .Role(
            Role.RECORDS_CLERK,
            unit=_leader,
            action=DelegationScope.SIGN,
            due_days=lambda process: CLERK_DAYS,
            reminders=_reminders,
            reason=_(
                "the records clerk of the leader unit numbers the covenant and applies the"
                " organisation signature"
            ),
        )
        .Annotation(title=_("Number and apply the organisation signature"))
        .Permission("pledges.manage_covenantprocess")
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("Covenant closed"))

    def start_process(self, activation, covenant):
        activation.process.covenant = covenant
        return activation.process

    def conclude_review(self, activation):
        """Once every member answered: back to drafting if any asked for changes."""
        covenant = Covenant.objects.select_for_update().get(pk=activation.process.covenant_id)
        version = current_version(covenant)
        if version.opinions.filter(decision=Decision.REQUEST_CHANGES).exists():
            covenant.return_for_changes()
        else:
            covenant.conclude_review()
        covenant.save()
        events.covenant_event("covenant.review_concluded", covenant)
        # The gateways that follow read the status from the process's covenant.
        activation.process.covenant = covenant

    def attach_document(self, activation, version, document):
        """The adopted version's PDF is ready (``services.prepare_document``): signing opens."""
        covenant = Covenant.objects.select_for_update().get(pk=activation.process.covenant_id)
        version.document = document
        version.save(update_fields=["document"])
        covenant.open_signing()
        covenant.save()
        events.covenant_event(
            "covenant.signing_opened", covenant, version=version.number, document=document.pk
        )
        activation.process.covenant = covenant
