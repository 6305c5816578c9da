"""The year-end meeting's pages: the list, a meeting (candidates and their checks, live turnout,
each counted round, the nominations, the minutes), and the flow's steps. Whoever may see the
bloc's work sees them (flows.blocs.access); writes go through the services, which check who acts.

A vote's receipt is shown once, in the answer to the vote itself: it is never put in a message,
the session or a redirect, which would keep it beside the voter's name.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from viewflow.urls import AppMenuMixin, Viewset

from flows.blocs.models import BlocTerm
from flows.nominations import documents, forms, selectors, services
from flows.nominations.models import (
    CONSULTED_AWARDS,
    LIVE_STATUSES,
    AwardDecision,
    Consultation,
    ConsultationOutcome,
    CouncilSession,
    Handover,
    Meeting,
    MeetingStatus,
    SessionStatus,
)
from flows.rules.parameters import PARAMETERS
from flows.scoring.models import ScoringStatus
from signatures import pipeline
from signatures.models import Revision
from signatures.views import SigningStepView
from workflows import ballots
from workflows.forms import BallotPaperForm, ReceiptForm
from workflows.models import Appointment, BallotStatus, Role
from workflows.views import StepView

NOT_VISIBLE = gettext_lazy("No such meeting, or not one you may see.")
RECEIPT_TEMPLATE = "nominations/receipt.html"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def meeting_url(meeting) -> str:
    return reverse("thidua:meetings:detail", args=[meeting.pk])


def visible_meeting_or_404(user, pk: int) -> Meeting:
    try:
        return selectors.meeting_detail(user, pk)
    except Meeting.DoesNotExist as error:
        raise Http404(NOT_VISIBLE) from error


def revision_url(meeting, document) -> str:
    """The latest revision of one of the meeting's documents (empty: none yet)."""
    if document is None:
        return ""
    revision = document.latest_revision()
    return reverse("thidua:meetings:revision", args=[meeting.pk, revision.pk])


def minutes_url(meeting) -> str:
    return revision_url(meeting, meeting.minutes)


def word_url(meeting, document) -> str:
    if document is None:
        return ""
    return reverse("thidua:meetings:word", args=[meeting.pk, document.pk])


def _receipt_page(request, back_url, receipt, *, written_for=None):
    """The answer to a vote: the receipt code, shown this once."""
    return TemplateResponse(
        request,
        RECEIPT_TEMPLATE,
        {"receipt": receipt, "written_for": written_for, "meeting_url": back_url},
    )


# -- the steps -------------------------------------------------------------------------------------


class MeetingStepView(StepView):
    """A step of the meeting's flow: its task is about the process's meeting."""

    template_name = "nominations/step.html"

    @cached_property
    def subject(self) -> Meeting:
        return Meeting.objects.select_related(
            "term__bloc__jurisdiction", "term__leader", "term__deputy", "ballot", "minutes"
        ).get(pk=self.request.activation.process.meeting_id)

    @property
    def meeting(self) -> Meeting:
        return self.subject

    def subject_url(self) -> str:
        return meeting_url(self.meeting)

    def get_context_data(self, **kwargs):
        # The meeting's partials (the dossier, its documents' links) name it.
        return super().get_context_data(meeting=self.meeting, **kwargs)

    def breadcrumbs(self):
        return [(_("Year-end meetings"), reverse("thidua:meetings:index")), *super().breadcrumbs()]

    def live_socket(self) -> str:
        return f"/ws/meeting/{self.meeting.pk}/"


class PrepareView(MeetingStepView):
    step_template = "nominations/steps/prepare.html"
    actions = {
        "propose": ("propose_form", "propose"),
        "withdraw": (None, "withdraw"),
        "attendance": ("attendance_form", "attendance"),
        "open": (None, "open_voting"),
    }

    def make_forms(self, data=None):
        members = self.meeting.term.members.order_by("name")
        proposed = self.meeting.candidacies.values("unit")
        return {
            "propose_form": forms.ProposeForm(
                data if data and "propose" in data else None, units=members.exclude(pk__in=proposed)
            ),
            "attendance_form": forms.AttendanceForm(
                data if data and "attendance" in data else None,
                units=members,
                initial_present=list(self.meeting.attendees.values_list("pk", flat=True)),
            ),
            "groups": selectors.candidacies_by_award(self.meeting),
            "rulings": _rulings(self.meeting),
        }

    def propose(self, form):
        data = form.cleaned_data
        candidacy = services.propose(task=self.task, by=self.request.user, **data)
        messages.success(self.request, _("%(unit)s was proposed.") % {"unit": candidacy.unit})
        return HttpResponseRedirect(self.request.get_full_path())

    def withdraw(self, form):
        candidacy = get_object_or_404(self.meeting.candidacies, pk=self.request.POST["withdraw"])
        services.withdraw(task=self.task, by=self.request.user, candidacy=candidacy)
        messages.success(self.request, _("%(unit)s was withdrawn.") % {"unit": candidacy.unit})
        return HttpResponseRedirect(self.request.get_full_path())

    def attendance(self, form):
        services.set_attendance(
            task=self.task, by=self.request.user, present=list(form.cleaned_data["present"])
        )
        messages.success(self.request, _("The roll call was saved."))
        return HttpResponseRedirect(self.request.get_full_path())

    def open_voting(self, form):
        services.open_voting(task=self.task, by=self.request.user)
        return self.done(_("The vote is open: every member head present has his task."))


class PaperStep:
    """A step whose form is the paper of a ballot's open round; the answer is the receipt."""

    step_template = "nominations/steps/vote.html"
    actions = {"vote": ("paper_form", "vote")}
    #: The flow's service that casts the vote (task, by, marks) and returns the receipt.
    cast = None

    def ballot(self):
        raise NotImplementedError

    def make_forms(self, data=None):
        ballot = self.ballot()
        round_ = ballots.current_round(ballot)
        return {
            "paper_form": BallotPaperForm(data, round_=round_),
            "round": round_,
            "secret": ballot.is_secret,
        }

    def vote(self, form):
        receipt = self.cast(task=self.task, by=self.request.user, marks=form.marks())
        return _receipt_page(self.request, self.subject_url(), receipt)


class VoteView(PaperStep, MeetingStepView):
    cast = staticmethod(services.vote)

    def ballot(self):
        return self.meeting.ballot


class CountView(MeetingStepView):
    step_template = "nominations/steps/count.html"
    actions = {"count": (None, "count")}

    def make_forms(self, data=None):
        return {
            "turnout": selectors.turnout(self.meeting),
            "voters": selectors.voted_units(self.meeting),
        }

    def count(self, form):
        meeting = services.count(task=self.task, by=self.request.user)
        if meeting.status == MeetingStatus.VOTING:
            return self.done(_("Some places are still open: a new round is open."))
        if meeting.status == MeetingStatus.DECIDING:
            return self.done(_("The rounds are spent: the bloc's leader and deputy decide."))
        return self.done(_("The votes are counted; the minutes are being prepared."))


class DecideView(MeetingStepView):
    step_template = "nominations/steps/decide.html"
    actions = {"decide": ("decision_form", "decide")}

    def make_forms(self, data=None):
        pending = [
            item
            for item in ballots.outcome_of(self.meeting.ballot).questions
            if item.awaiting_decision
        ]
        return {"decision_form": forms.DecisionForm(data, pending=pending), "pending": pending}

    def decide(self, form):
        services.decide(
            task=self.task,
            by=self.request.user,
            chosen=form.chosen(),
            reason=form.cleaned_data["reason"],
        )
        return self.done(_("Your decision was recorded."))


class AgreeView(MeetingStepView):
    step_template = "nominations/steps/agree.html"
    actions = {"agree": (None, "agree"), "send_back": ("send_back_form", "send_back")}

    def make_forms(self, data=None):
        return {
            "send_back_form": forms.ReasonForm(data if data and "send_back" in data else None),
            "proposal": selectors.proposed_decision(self.meeting),
        }

    def agree(self, form):
        services.answer_decision(task=self.task, by=self.request.user, agree=True)
        return self.done(_("You agreed: the bloc's nominations are settled."))

    def send_back(self, form):
        services.answer_decision(
            task=self.task, by=self.request.user, agree=False, reason=form.cleaned_data["reason"]
        )
        return self.done(_("The decision went back to the bloc's leader."))


class SignMinutesView(SigningStepView, MeetingStepView):
    step_template = "nominations/steps/sign_minutes.html"
    service = staticmethod(services.sign_minutes)

    def field_id(self):
        if self.meeting.minutes_id is None:
            return None
        return services.minutes_field(self.meeting, self.task.flow_task.name).pk

    def pdf_url(self) -> str:
        return minutes_url(self.meeting)


# -- the dossier's steps ---------------------------------------------------------------------------


class ReportStepView(MeetingStepView):
    """A step about one nominee's report (the task's unit)."""

    @cached_property
    def report(self):
        return services.report_for(self.task)


class WriteReportView(ReportStepView):
    step_template = "nominations/steps/write_report.html"
    actions = {"save": ("report_form", "save"), "submit": ("report_form", "submit")}

    def make_forms(self, data=None):
        report = self.report
        initial = {
            "situation": report.situation,
            "achievements": report.achievements or services.draft_achievements(report),
        }
        return {"report_form": forms.ReportForm(data, initial=initial), "report": report}

    def save(self, form):
        services.save_report(task=self.task, by=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("The report was saved."))
        return HttpResponseRedirect(self.request.get_full_path())

    def submit(self, form):
        services.submit_report(task=self.task, by=self.request.user, **form.cleaned_data)
        return self.done(_("The report was sent to the head of the unit for signature."))


class SignReportView(SigningStepView, ReportStepView):
    step_template = "nominations/steps/sign_report.html"
    service = staticmethod(services.sign_report)

    def field_id(self):
        document = self.report.document
        return document.fields.get(name=documents.HEAD_FIELD).pk if document else None

    def pdf_url(self) -> str:
        return revision_url(self.meeting, self.report.document)

    def make_forms(self, data=None):
        return {**super().make_forms(data), "report": self.report}


class CompileView(MeetingStepView):
    step_template = "nominations/steps/compile.html"
    actions = {"send": (None, "send")}

    def make_forms(self, data=None):
        return {"dossier": selectors.dossier_view(self.meeting)}

    def send(self, form):
        services.send_proposal(task=self.task, by=self.request.user)
        return self.done(_("The proposal is being prepared for the head's signature."))


class ProposalSigningView(SigningStepView, MeetingStepView):
    step_template = "nominations/steps/sign_proposal.html"

    @cached_property
    def dossier(self):
        return self.meeting.dossier

    def pdf_url(self) -> str:
        return revision_url(self.meeting, self.dossier.proposal)

    def make_forms(self, data=None):
        return {**super().make_forms(data), "dossier": selectors.dossier_view(self.meeting)}


class SignProposalView(ProposalSigningView):
    service = staticmethod(services.sign_proposal)

    def field_id(self):
        proposal = self.dossier.proposal
        return proposal.fields.get(name=documents.HEAD_FIELD).pk if proposal else None


class RegisterProposalView(ProposalSigningView):
    service = staticmethod(services.register_proposal)

    def field_id(self):
        proposal = self.dossier.proposal
        return pipeline.organisation_field(proposal).pk if proposal else None


# -- the home-affairs department's steps ----------------------------------------------------------


class ReceiveView(MeetingStepView):
    step_template = "nominations/steps/receive.html"
    actions = {"receive": (None, "receive"), "return": ("return_form", "send_back")}

    def make_forms(self, data=None):
        dossier = self.meeting.dossier
        checklist = selectors.reception_checklist(dossier, on=timezone.localdate())
        sources = sorted({item.source for item in checklist})
        return {
            "dossier": selectors.dossier_view(self.meeting),
            "checklist": checklist,
            "return_form": forms.ReturnForm(
                data,
                reports=dossier.reports.select_related("candidacy__unit"),
                initial={"legal_basis": "; ".join(sources)},
            ),
        }

    def receive(self, form):
        services.receive(task=self.task, by=self.request.user)
        return self.done(_("The dossier was received; its nominees are to be appraised."))

    def send_back(self, form):
        services.return_dossier(task=self.task, by=self.request.user, **form.cleaned_data)
        return self.done(_("The return notice is being prepared for the head's signature."))


class SignReturnNoticeView(SigningStepView, MeetingStepView):
    step_template = "nominations/steps/sign_return_notice.html"
    service = staticmethod(services.sign_return_notice)

    @cached_property
    def submission(self):
        return selectors.returned_submission(self.meeting)

    def field_id(self):
        notice = self.submission.notice
        return notice.fields.get(name=documents.HEAD_FIELD).pk if notice else None

    def pdf_url(self) -> str:
        return revision_url(self.meeting, self.submission.notice)

    def make_forms(self, data=None):
        return {**super().make_forms(data), "submission": self.submission}


class AppraiseView(MeetingStepView):
    step_template = "nominations/steps/appraise.html"
    actions = {
        "appraise": ("appraisal_form", "appraise"),
        "consult": ("consult_form", "consult"),
        "answer": ("answer_form", "answer"),
        "send": (None, "send"),
    }

    #: The form each per-object button posts.
    FORMS = {"appraise": "appraisal_form", "consult": "consult_form", "answer": "answer_form"}

    def make_forms(self, data=None):
        """One form per nominee (prefixed by its appraisal), per nominee consulted and per
        answer awaited; the pressed button's value names the object its form is about."""
        dossier = self.meeting.dossier
        queryset = dossier.appraisals.all()
        pressed = next(((a, data[a]) for a in self.FORMS if data and a in data), None)
        bound = {}

        def form_for(action, pk, form_class, prefix, **kwargs):
            if pressed == (action, str(pk)):
                bound[self.FORMS[action]] = form_class(data, prefix=prefix, **kwargs)
                return bound[self.FORMS[action]]
            return form_class(prefix=prefix, **kwargs)

        consultations = selectors.consultations_of(dossier)
        rows = []
        for appraisal in selectors.appraisals_of(dossier):
            consulted = appraisal.candidacy.award in CONSULTED_AWARDS
            rows.append(
                {
                    "appraisal": appraisal,
                    "form": form_for(
                        "appraise",
                        appraisal.pk,
                        forms.AppraisalForm,
                        f"a{appraisal.pk}",
                        appraisals=queryset,
                        initial=self._initial(appraisal),
                    ),
                    "consult_form": form_for(
                        "consult", appraisal.pk, forms.ConsultationForm, f"c{appraisal.pk}"
                    )
                    if consulted
                    else None,
                    "consultations": [
                        (
                            row,
                            form_for("answer", row.pk, forms.ConsultationAnswerForm, f"r{row.pk}")
                            if row.outcome == ConsultationOutcome.PENDING
                            else None,
                        )
                        for row in consultations.get(appraisal.pk, [])
                    ],
                }
            )
        return {"appraisal_rows": rows, **bound}

    @staticmethod
    def _initial(appraisal):
        return {
            "appraisal": appraisal.pk,
            "conclusion": appraisal.conclusion,
            "opinion": appraisal.opinion,
            "leading_units": appraisal.leading_units,
        }

    def appraise(self, form):
        services.appraise(task=self.task, by=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("The appraisal was saved."))
        return HttpResponseRedirect(self.request.get_full_path())

    def consult(self, form):
        appraisal = self.meeting.dossier.appraisals.get(pk=self.request.POST["consult"])
        services.request_consultation(
            task=self.task, by=self.request.user, appraisal=appraisal, **form.cleaned_data
        )
        messages.success(self.request, _("The consultation was recorded."))
        return HttpResponseRedirect(self.request.get_full_path())

    def answer(self, form):
        consultation = Consultation.objects.get(
            pk=self.request.POST["answer"], appraisal__dossier=self.meeting.dossier
        )
        services.record_consultation_answer(
            task=self.task, by=self.request.user, consultation=consultation, **form.cleaned_data
        )
        messages.success(self.request, _("The answer was recorded."))
        return HttpResponseRedirect(self.request.get_full_path())

    def send(self, form):
        services.send_appraisal(task=self.task, by=self.request.user)
        return self.done(_("The appraisal is being prepared for the head's signature."))


class SignAppraisalView(SigningStepView, MeetingStepView):
    step_template = "nominations/steps/sign_appraisal.html"
    service = staticmethod(services.sign_appraisal)

    @cached_property
    def dossier(self):
        return self.meeting.dossier

    def field_id(self):
        appraisal = self.dossier.appraisal
        return appraisal.fields.get(name=documents.HEAD_FIELD).pk if appraisal else None

    def pdf_url(self) -> str:
        return revision_url(self.meeting, self.dossier.appraisal)

    def make_forms(self, data=None):
        return {
            **super().make_forms(data),
            "appraisals": selectors.appraisals_of(self.dossier),
        }


class HandoverStepView(StepView):
    """A step of the leader's hand-over; its page is the term's year-end meeting."""

    template_name = "nominations/step.html"

    @cached_property
    def subject(self):
        return Handover.objects.select_related(
            "term__bloc", "term__leader", "next_term__leader", "minutes", "ballot"
        ).get(pk=self.request.activation.process.handover_id)

    @cached_property
    def meeting(self):
        return Meeting.objects.filter(term=self.subject.term).order_by("-pk").first()

    def subject_url(self) -> str:
        if self.meeting is None:
            return reverse("thidua:blocs:detail", args=[self.subject.term.bloc_id])
        return meeting_url(self.meeting)


class ElectView(PaperStep, HandoverStepView):
    """A member head elects next year's leader unit on the hand-over's ballot."""

    cast = staticmethod(services.elect)

    def ballot(self):
        return self.subject.ballot


class ElectCountView(HandoverStepView):
    step_template = "nominations/steps/count.html"
    actions = {"count": (None, "count")}

    def make_forms(self, data=None):
        return {"turnout": ballots.turnout(self.subject.ballot)}

    def count(self, form):
        handover = services.count_election(task=self.task, by=self.request.user)
        return self.done(
            _("The election is counted: %(status)s.")
            % {"status": handover.get_status_display().lower()}
        )


class SignHandoverView(SigningStepView, HandoverStepView):
    """The outgoing, then the incoming head signs the hand-over minutes."""

    step_template = "nominations/steps/sign_handover.html"
    service = staticmethod(services.sign_handover)

    def field_id(self):
        minutes = self.subject.minutes
        if minutes is None:
            return None
        return minutes.fields.get(name=services.HANDOVER_FIELDS[self.task.flow_task.name]).pk

    def pdf_url(self) -> str:
        minutes = self.subject.minutes
        return revision_url(self.meeting, minutes) if minutes and self.meeting else ""

    def make_forms(self, data=None):
        return {**super().make_forms(data), "handover": self.subject}


# -- the pages -------------------------------------------------------------------------------------


def _rulings(meeting):
    return [
        (PARAMETERS[key], meeting.rulings[key]) for key in services.RULES if key in meeting.rulings
    ]


def convenable_terms(user):
    """Terms led by a unit ``user`` acts for, ranked, with no meeting yet."""
    units = Appointment.objects.current(timezone.localdate()).filter(
        user=user, role__in=services.OPENING_ROLES
    )
    return (
        BlocTerm.objects.filter(
            leader__in=units.values("organisation"), scorings__status=ScoringStatus.RANKED
        )
        .exclude(meetings__status__in=LIVE_STATUSES)
        .select_related("bloc")
        .distinct()
        .order_by("-year", "bloc__name")
    )


class MeetingListView(TemplateView):
    template_name = "nominations/meeting_list.html"

    def get_context_data(self, **kwargs):
        terms = convenable_terms(self.request.user)
        return super().get_context_data(
            meetings=selectors.meetings_for_list(self.request.user),
            convene_form=forms.ConveneForm(terms=terms) if terms.exists() else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = forms.ConveneForm(request.POST, terms=convenable_terms(request.user))
        if form.is_valid():
            try:
                meeting = services.convene(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The meeting was convened."))
                return HttpResponseRedirect(meeting_url(meeting))
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return HttpResponseRedirect(request.path)


class MeetingDetailView(TemplateView):
    template_name = "nominations/meeting_detail.html"

    @cached_property
    def meeting(self) -> Meeting:
        return visible_meeting_or_404(self.request.user, self.kwargs["pk"])

    def written_forms(self, data=None):
        """The secretary's forms for an absent unit's written vote, while a round is open."""
        meeting = self.meeting
        ballot = meeting.ballot
        if (
            ballot is None
            or not ballot.written_votes
            or ballot.status != BallotStatus.VOTING
            or self.request.user.pk != ballot.secretary_id
        ):
            return None
        absent = selectors.absent_units_not_voted(meeting)
        if not absent.exists():
            return None
        return {
            "unit_form": forms.WrittenVoteUnitForm(data, units=absent),
            "paper_form": BallotPaperForm(data, round_=ballots.current_round(ballot), prefix="w"),
        }

    def get_context_data(self, **kwargs):
        meeting = self.meeting
        outcome = ballots.outcome_of(meeting.ballot) if meeting.ballot_id else None
        handover = selectors.handover_of(meeting.term)
        code = self.request.GET.get("code")
        receipt_form = ReceiptForm(self.request.GET if code else None)
        checked = None
        if code and receipt_form.is_valid():
            checked = selectors.check_receipt(meeting, receipt_form.cleaned_data["code"])
        return super().get_context_data(
            meeting=meeting,
            groups=selectors.candidacies_by_award(meeting),
            turnout=selectors.turnout(meeting),
            voters=selectors.voted_units(meeting),
            outcome=outcome,
            counted=outcome is not None and any(item.rounds for item in outcome.questions),
            minutes_pdf=minutes_url(meeting),
            minutes_word=word_url(meeting, meeting.minutes),
            dossier=selectors.dossier_view(meeting),
            handover=handover,
            may_close_voting=services.may_close_voting(self.request.user, meeting),
            handover_turnout=ballots.turnout(handover.ballot)
            if handover and handover.ballot_id
            else None,
            handover_form=kwargs.pop("handover_form", None) or self.handover_form(),
            rulings=_rulings(meeting),
            written=kwargs.pop("written", None) or self.written_forms(),
            receipt_form=receipt_form,
            receipt_checked=code is not None and receipt_form.is_valid(),
            checked=checked,
            **kwargs,
        )

    def handover_form(self, data=None):
        """The outgoing leader unit's form to designate next year's leader, once the dossier
        is submitted."""
        meeting = self.meeting
        dossier = selectors.dossier_view(meeting)
        if dossier is None or dossier.dossier.submitted_at is None:
            return None
        if not services.may_designate(self.request.user, meeting.term):
            return None
        return forms.HandoverForm(data, units=meeting.term.members.order_by("name"))

    def post(self, request, *args, **kwargs):
        if "handover" in request.POST:
            return self.designate()
        if "close_voting" in request.POST:
            return self.close_voting()
        return self.record_written_vote()

    def close_voting(self):
        try:
            silent = services.close_voting(meeting=self.meeting, by=self.request.user)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
        else:
            messages.success(
                self.request,
                _("The voting is closed: %(count)s unit(s) present did not vote. Count the votes.")
                % {"count": len(silent)},
            )
        return HttpResponseRedirect(meeting_url(self.meeting))

    def designate(self):
        form = self.handover_form(self.request.POST)
        if form is None:
            raise Http404(NOT_VISIBLE)
        if form.is_valid():
            try:
                services.designate_next_leader(
                    term=self.meeting.term, by=self.request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    self.request, _("The next leader was designated: the heads sign the hand-over.")
                )
                return HttpResponseRedirect(meeting_url(self.meeting))
        return self.render_to_response(self.get_context_data(handover_form=form))

    def record_written_vote(self):
        """The secretary records an absent unit's written vote."""
        request = self.request
        written = self.written_forms(request.POST)
        if written is None:
            raise Http404(NOT_VISIBLE)
        if written["unit_form"].is_valid() and written["paper_form"].is_valid():
            unit = written["unit_form"].cleaned_data["unit"]
            try:
                receipt = services.record_written_vote(
                    meeting=self.meeting,
                    by=request.user,
                    unit=unit,
                    marks=written["paper_form"].marks(),
                )
            except ValidationError as error:
                written["unit_form"].add_error(None, error)
            else:
                return _receipt_page(request, meeting_url(self.meeting), receipt, written_for=unit)
        return self.render_to_response(self.get_context_data(written=written))


def pdf_response(stored: Revision, filename: str) -> FileResponse:
    """A stored revision of a document, as a PDF download named ``filename``."""
    return FileResponse(
        default_storage.open(stored.path), content_type="application/pdf", filename=filename
    )


def word_response(draft, stored, filename: str) -> HttpResponse:
    """The Word copy of ``draft`` (numbered and dated as ``stored``), in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        content = pipeline.word_copy(draft, document=stored)
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class RevisionDownloadView(View):
    """A stored revision of one of the meeting's documents (minutes, reports, proposal)."""

    def get(self, request, pk, revision):
        meeting = visible_meeting_or_404(request.user, pk)
        stored = get_object_or_404(
            Revision.objects.filter(document_id__in=selectors.document_ids(meeting)), pk=revision
        )
        return pdf_response(
            stored, f"binh-xet-{meeting.term.year}-{stored.document_id}-r{stored.number}.pdf"
        )


class WordCopyView(View):
    """The Word copy of one of the meeting's documents (the ministry's e-dossier takes DOCX)."""

    def get(self, request, pk, document):
        meeting = visible_meeting_or_404(request.user, pk)
        draft, stored = services.draft_of(meeting, document)
        if draft is None:
            raise Http404(NOT_VISIBLE)
        return word_response(draft, stored, f"binh-xet-{meeting.term.year}-{document}.docx")


class MeetingViewset(AppMenuMixin, Viewset):
    """Year-end meetings: each official sees those of his blocs; steps go through the tasks."""

    app_name = "meetings"
    title = gettext_lazy("Year-end meetings")
    icon = "how_to_vote"

    index_path = path("", MeetingListView.as_view(), name="index")
    detail_path = path("<int:pk>/", MeetingDetailView.as_view(), name="detail")
    revision_path = path(
        "<int:pk>/revisions/<int:revision>.pdf", RevisionDownloadView.as_view(), name="revision"
    )
    word_path = path("<int:pk>/word/<int:document>.docx", WordCopyView.as_view(), name="word")


# -- the council's session (P9) --------------------------------------------------------------------

NO_SESSION = gettext_lazy("No such session, or not one you may see.")


def session_url(session) -> str:
    return reverse("thidua:council:detail", args=[session.pk])


def visible_session_or_404(user, pk: int):
    try:
        return selectors.session_detail(user, pk)
    except CouncilSession.DoesNotExist:
        raise Http404(NO_SESSION) from None


def council_minutes_url(session) -> str:
    if session.minutes_id is None:
        return ""
    return reverse(
        "thidua:council:revision", args=[session.pk, session.minutes.latest_revision().pk]
    )


class SessionStepView(StepView):
    """A step of a council session's flow."""

    template_name = "nominations/step.html"

    @cached_property
    def subject(self) -> CouncilSession:
        return CouncilSession.objects.select_related(
            "council__parent", "chair", "secretary", "ballot", "minutes"
        ).get(pk=self.request.activation.process.session_id)

    @property
    def session(self) -> CouncilSession:
        return self.subject

    def subject_url(self) -> str:
        return session_url(self.session)

    def breadcrumbs(self):
        return [(_("Council sessions"), reverse("thidua:council:index")), *super().breadcrumbs()]

    def live_socket(self) -> str:
        return f"/ws/session/{self.session.pk}/"

    def get_context_data(self, **kwargs):
        return super().get_context_data(session=self.session, **kwargs)


class OpenSessionView(SessionStepView):
    step_template = "nominations/steps/open_session.html"
    actions = {"open": ("roll_call", "open")}

    def make_forms(self, data=None):
        session = self.session
        members = selectors.members_of(session.council, session.held_on)
        queryset = Appointment.objects.filter(pk__in=[m.pk for m in members]).select_related("user")
        return {
            "roll_call": forms.RollCallForm(data, members=queryset),
            "agenda": selectors.agenda_of(session),
            "member_count": len(members),
            "rulings": _session_rulings(session),
        }

    def open(self, form):
        services.open_session(
            task=self.task, by=self.request.user, present=list(form.cleaned_data["present"])
        )
        return self.done(_("The session is open: the members present vote in their inbox."))


class CouncilVoteView(PaperStep, SessionStepView):
    step_template = "nominations/steps/council_vote.html"
    cast = staticmethod(services.council_vote)

    def ballot(self):
        return self.session.ballot


class CouncilCountView(SessionStepView):
    step_template = "nominations/steps/council_count.html"
    actions = {"count": (None, "count")}

    def make_forms(self, data=None):
        return {"turnout": ballots.turnout(self.session.ballot)}

    def count(self, form):
        services.count_council(task=self.task, by=self.request.user)
        return self.done(_("The votes are counted; the minutes are being prepared."))


class SignCouncilMinutesView(SigningStepView, SessionStepView):
    step_template = "nominations/steps/sign_minutes.html"
    service = staticmethod(services.sign_council_minutes)

    def field_id(self):
        if self.session.minutes_id is None:
            return None
        name = (
            documents.SECRETARY_FIELD
            if self.task.flow_task.name == "sign_as_secretary"
            else documents.CHAIR_FIELD
        )
        return self.session.minutes.fields.get(name=name).pk

    def pdf_url(self) -> str:
        return council_minutes_url(self.session)


def _session_rulings(session):
    return [(PARAMETERS[key], session.rulings[key]) for key in services.SESSION_RULES]


class SessionListView(TemplateView):
    template_name = "nominations/session_list.html"

    def get_context_data(self, **kwargs):
        councils = selectors.chaired_councils(self.request.user)
        return super().get_context_data(
            sessions=selectors.visible_sessions(self.request.user)
            .select_related("council")
            .order_by("-held_on", "-pk"),
            convene_form=forms.ConveneSessionForm(initial={"year": timezone.localdate().year - 1})
            if councils
            else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        councils = selectors.chaired_councils(request.user)
        form = forms.ConveneSessionForm(request.POST)
        if not councils:
            raise Http404(NO_SESSION)
        if form.is_valid():
            try:
                session = services.convene_session(
                    jurisdiction=councils[0].parent, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The session was convened."))
                return HttpResponseRedirect(session_url(session))
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return HttpResponseRedirect(request.path)


class SessionDetailView(TemplateView):
    template_name = "nominations/session_detail.html"

    @cached_property
    def session(self):
        return visible_session_or_404(self.request.user, self.kwargs["pk"])

    def written_form(self, data=None):
        """The secretary's form for an absent member's written vote, while the ballot is open."""
        session = self.session
        ballot = session.ballot
        if (
            ballot is None
            or not ballot.written_votes
            or ballot.status != BallotStatus.VOTING
            or self.request.user.pk != ballot.secretary_id
        ):
            return None
        waiting = [elector.pk for elector, voted in selectors.absent_members(session) if not voted]
        if not waiting:
            return None
        electors = ballot.electors.filter(pk__in=waiting).select_related("appointment__user")
        return {
            "elector_form": forms.WrittenCouncilVoteForm(data, electors=electors),
            "paper_form": BallotPaperForm(data, round_=ballots.current_round(ballot), prefix="w"),
        }

    def get_context_data(self, **kwargs):
        session = self.session
        code = self.request.GET.get("code")
        receipt_form = ReceiptForm(self.request.GET if code else None)
        checked = None
        if code and receipt_form.is_valid() and session.ballot_id:
            checked = ballots.check_receipt(
                ballot=session.ballot, code=receipt_form.cleaned_data["code"]
            )
        return super().get_context_data(
            session=session,
            agenda=selectors.agenda_of(session),
            turnout=ballots.turnout(session.ballot) if session.ballot_id else None,
            counted=session.status in (SessionStatus.COUNTED, SessionStatus.MINUTES_SIGNED),
            rulings=_session_rulings(session),
            minutes_pdf=council_minutes_url(session),
            minutes_word=reverse("thidua:council:word", args=[session.pk])
            if session.minutes_id
            else "",
            may_close_voting=services.may_close_council_voting(self.request.user, session),
            written=kwargs.pop("written", None) or self.written_form(),
            receipt_form=receipt_form,
            receipt_checked=code is not None and receipt_form.is_valid(),
            checked=checked,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "close_voting" in request.POST:
            try:
                silent = services.close_council_voting(session=self.session, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("The voting is closed: %(count)s member(s) present did not vote.")
                    % {"count": silent},
                )
            return HttpResponseRedirect(session_url(self.session))
        written = self.written_form(request.POST)
        if written is None:
            raise Http404(NO_SESSION)
        if written["elector_form"].is_valid() and written["paper_form"].is_valid():
            elector = written["elector_form"].cleaned_data["elector"]
            try:
                receipt = services.record_written_council_vote(
                    session=self.session,
                    by=request.user,
                    elector=elector,
                    marks=written["paper_form"].marks(),
                )
            except ValidationError as error:
                written["elector_form"].add_error(None, error)
            else:
                return _receipt_page(
                    request,
                    session_url(self.session),
                    receipt,
                    written_for=elector.appointment.user.get_full_name(),
                )
        return self.render_to_response(self.get_context_data(written=written))


class OneDocumentView(View):
    """The one document of a subject (a session's minutes, a decision): a stored revision as
    PDF (``revision`` given) or its Word copy."""

    #: The 404's message when the subject has no document yet.
    missing = NOT_VISIBLE

    def subject(self, request, pk):
        raise NotImplementedError

    def document(self, subject):
        raise NotImplementedError

    def draft(self, subject):
        raise NotImplementedError

    def stem(self, subject) -> str:
        raise NotImplementedError

    def get(self, request, pk, revision=None):
        subject = self.subject(request, pk)
        document = self.document(subject)
        if document is None:
            raise Http404(self.missing)
        if revision is None:
            return word_response(self.draft(subject), document, f"{self.stem(subject)}.docx")
        stored = get_object_or_404(Revision.objects.filter(document=document), pk=revision)
        return pdf_response(stored, f"{self.stem(subject)}-r{stored.number}.pdf")


class SessionMinutesView(OneDocumentView):
    """The session's minutes."""

    missing = NO_SESSION

    def subject(self, request, pk):
        return visible_session_or_404(request.user, pk)

    def document(self, session):
        return session.minutes

    def draft(self, session):
        return documents.council_minutes_draft(session)

    def stem(self, session) -> str:
        return f"hoi-dong-{session.year}-{session.pk}"


class CouncilViewset(AppMenuMixin, Viewset):
    """The council's sessions: for its members, the home-affairs officers and the supervising
    leaders of the jurisdiction; the chairman convenes."""

    app_name = "council"
    title = gettext_lazy("Council sessions")
    icon = "gavel"

    index_path = path("", SessionListView.as_view(), name="index")
    detail_path = path("<int:pk>/", SessionDetailView.as_view(), name="detail")
    revision_path = path(
        "<int:pk>/minutes/<int:revision>.pdf", SessionMinutesView.as_view(), name="revision"
    )
    word_path = path("<int:pk>/minutes.docx", SessionMinutesView.as_view(), name="word")


# -- the award decision (P10) ----------------------------------------------------------------------

NO_DECISION = gettext_lazy("No such decision, or not one you may see.")


def decision_url(decision) -> str:
    return reverse("thidua:decisions:detail", args=[decision.pk])


def visible_decision_or_404(user, pk: int) -> AwardDecision:
    decision = (
        selectors.visible_decisions(user)
        .select_related("issuer__parent", "drafted_by", "document__issued_number")
        .filter(pk=pk)
        .first()
    )
    if decision is None:
        raise Http404(NO_DECISION)
    return decision


def decision_pdf_url(decision) -> str:
    if decision.document_id is None:
        return ""
    revision = decision.document.latest_revision()
    return reverse("thidua:decisions:revision", args=[decision.pk, revision.pk])


class DecisionStepView(SigningStepView, StepView):
    template_name = "nominations/step.html"
    step_template = "nominations/steps/sign_decision.html"

    @cached_property
    def subject(self) -> AwardDecision:
        return AwardDecision.objects.select_related("issuer__parent", "document").get(
            pk=self.request.activation.process.decision_id
        )

    def subject_url(self) -> str:
        return decision_url(self.subject)

    def breadcrumbs(self):
        return [(_("Award decisions"), reverse("thidua:decisions:index")), *super().breadcrumbs()]

    def pdf_url(self) -> str:
        return decision_pdf_url(self.subject)

    def make_forms(self, data=None):
        return {**super().make_forms(data), "lines": selectors.lines_of(self.subject)}


class SignDecisionView(DecisionStepView):
    service = staticmethod(services.sign_decision)

    def field_id(self):
        document = self.subject.document
        return document.fields.get(name=documents.HEAD_FIELD).pk if document else None


class RegisterDecisionView(DecisionStepView):
    service = staticmethod(services.register_decision)

    def field_id(self):
        document = self.subject.document
        return pipeline.organisation_field(document).pk if document else None


class DecisionListView(TemplateView):
    template_name = "nominations/decision_list.html"

    def jurisdiction(self):
        """The jurisdiction whose decisions the user drafts (a home-affairs officer's)."""
        appointment = (
            Appointment.objects.current(timezone.localdate())
            .filter(user=self.request.user, role=Role.HOME_AFFAIRS_OFFICER)
            .select_related("organisation__parent")
            .first()
        )
        return appointment.organisation.parent if appointment else None

    def get_context_data(self, **kwargs):
        jurisdiction = self.jurisdiction()
        return super().get_context_data(
            decisions=selectors.visible_decisions(self.request.user)
            .select_related("issuer", "document__issued_number")
            .order_by("-drafted_at", "-pk"),
            draft_form=forms.DraftDecisionForm(initial={"year": timezone.localdate().year - 1})
            if jurisdiction
            else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        jurisdiction = self.jurisdiction()
        if jurisdiction is None:
            raise Http404(NO_DECISION)
        form = forms.DraftDecisionForm(request.POST)
        if form.is_valid():
            try:
                decision = services.draft_decision(
                    jurisdiction=jurisdiction, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, _("The decision is being prepared for the chairman's signature.")
                )
                return HttpResponseRedirect(decision_url(decision))
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return HttpResponseRedirect(request.path)


class DecisionDetailView(TemplateView):
    template_name = "nominations/decision_detail.html"

    def get_context_data(self, **kwargs):
        decision = visible_decision_or_404(self.request.user, self.kwargs["pk"])
        return super().get_context_data(
            decision=decision,
            lines=selectors.lines_of(decision),
            pdf_url=decision_pdf_url(decision),
            word_url=reverse("thidua:decisions:word", args=[decision.pk])
            if decision.document_id
            else "",
            **kwargs,
        )


class DecisionDocumentView(OneDocumentView):
    """The decision."""

    missing = NO_DECISION

    def subject(self, request, pk):
        return visible_decision_or_404(request.user, pk)

    def document(self, decision):
        return decision.document

    def draft(self, decision):
        return documents.decision_draft(decision)

    def stem(self, decision) -> str:
        return f"quyet-dinh-{decision.year}-{decision.pk}"


class DecisionViewset(AppMenuMixin, Viewset):
    """The province's award decisions: drafted by its home-affairs officers, signed by the
    chairman, numbered and sealed by the committee's clerk."""

    app_name = "decisions"
    title = gettext_lazy("Award decisions")
    icon = "workspace_premium"

    index_path = path("", DecisionListView.as_view(), name="index")
    detail_path = path("<int:pk>/", DecisionDetailView.as_view(), name="detail")
    revision_path = path(
        "<int:pk>/revisions/<int:revision>.pdf", DecisionDocumentView.as_view(), name="revision"
    )
    word_path = path("<int:pk>/decision.docx", DecisionDocumentView.as_view(), name="word")
