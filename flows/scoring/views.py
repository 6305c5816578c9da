"""The scoring's pages: the list, a scoring (sheets, ranking, chart), a unit's sheet, the
documents and evidence, and the flow's steps. Whoever may see the bloc's work sees them
(flows.blocs.access); writes go through the services, which check who acts."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from viewflow.urls import AppMenuMixin, Viewset

from flows.rules.parameters import PARAMETERS
from flows.scoring import forms, selectors, services
from flows.scoring.flows import ScoringFlow
from flows.scoring.models import ComponentScore, Dispute, ScoreSheet, Scoring, SheetStatus
from signatures.models import Revision
from signatures.views import SigningStepView
from workflows.selectors import attachments_of
from workflows.views import StepView, attachment_download

NOT_VISIBLE = gettext_lazy("No such scoring, or not one you may see.")
#: A sheet's statuses before cross-scoring: only the unit's own points to show.
SELF_STAGES = [SheetStatus.DRAFT, SheetStatus.SUBMITTED, SheetStatus.SIGNED]


def scoring_url(scoring) -> str:
    return reverse("thidua:scorings:detail", args=[scoring.pk])


def sheet_url(sheet) -> str:
    return reverse("thidua:scorings:sheet", args=[sheet.scoring_id, sheet.unit_id])


def visible_scoring_or_404(user, pk: int) -> Scoring:
    try:
        return (
            selectors.visible_scorings(user)
            .select_related("term__bloc__jurisdiction", "term__leader", "criteria_set")
            .get(pk=pk)
        )
    except Scoring.DoesNotExist as error:
        raise Http404(NOT_VISIBLE) from error


def revision_url(scoring, document) -> str:
    if document is None:
        return ""
    revision = document.latest_revision()
    return reverse("thidua:scorings:revision", args=[scoring.pk, revision.pk])


def table_rows(view: selectors.SheetView, form=None):
    """(major, [(component, score, fields)], major's points) for the sheet templates."""
    for major, components, points in view.rows():
        yield (
            major,
            [(c, score, form.row_fields(score) if form else None) for c, score in components],
            points,
        )


def _side_by_side(totals: selectors.SheetTotals):
    """(sheet, self totals, cross totals, difference of the totals)."""
    own, cross = totals["self_points"], totals["after_cross"]
    return totals.sheet, own, cross, cross.total - own.total


# -- filling a sheet: the officer's step and the sheet's own page ----------------------------------


class SheetForms:
    """The forms of a sheet being filled and their actions (``save``, ``attach``)."""

    @cached_property
    def sheet_view(self) -> selectors.SheetView:
        return selectors.sheet_view(self.sheet)

    def sheet_forms(self, data=None, files=None):
        scores = list(self.sheet_view.scores.values())
        return {
            "entries_form": forms.EntriesForm(
                data,
                scores=scores,
                points_field="self_points",
                note_field="self_note",
                note_label=gettext_lazy("note on %(code)s"),
            ),
            "evidence_form": forms.EvidenceForm(
                *((data, files) if data and "attach" in data else ()), scores=scores
            ),
        }

    def save(self, form):
        self._save(form)
        return HttpResponseRedirect(self.request.get_full_path())

    def _save(self, form) -> bool:
        conflicts = services.save_self_scores(
            sheet=self.sheet, by=self.request.user, entries=form.entries("note")
        )
        for conflict in conflicts:
            messages.warning(self.request, str(conflict))
        if not conflicts:
            messages.success(self.request, _("The score sheet was saved."))
        return not conflicts

    def attach(self, form):
        attachment = services.attach_evidence(
            sheet=self.sheet,
            criterion_id=form.cleaned_data["criterion"],
            by=self.request.user,
            name=form.cleaned_data["name"],
            file=form.cleaned_data["file"],
        )
        messages.success(self.request, _("%(name)s attached.") % {"name": attachment.name})
        return HttpResponseRedirect(self.request.get_full_path())

    def sheet_context(self, bound):
        return {
            "sheet": self.sheet,
            "subject_status": self.sheet.get_status_display(),
            "rows": list(table_rows(self.sheet_view, bound["entries_form"])),
            "totals": self.sheet_view.totals("self_points"),
            **bound,
        }


# -- the steps -------------------------------------------------------------------------------------


class ScoringStepView(StepView):
    """A step of the scoring flow: its task is about the process's scoring."""

    template_name = "scoring/step.html"

    @cached_property
    def subject(self) -> Scoring:
        return Scoring.objects.select_related(
            "term__bloc__jurisdiction", "term__leader", "criteria_set"
        ).get(pk=self.request.activation.process.scoring_id)

    @property
    def scoring(self) -> Scoring:
        return self.subject

    def subject_url(self) -> str:
        return scoring_url(self.scoring)

    def breadcrumbs(self):
        return [(_("Year-end scoring"), reverse("thidua:scorings:index")), *super().breadcrumbs()]

    def live_socket(self) -> str:
        return f"/ws/scoring/{self.scoring.pk}/"

    @cached_property
    def sheet(self) -> ScoreSheet:
        """The sheet of the task's unit (steps of one unit)."""
        return self.scoring.sheets.select_related("unit", "document").get(
            unit_id=self.task.data["unit"]
        )


class SelfScoreView(SheetForms, ScoringStepView):
    step_template = "scoring/steps/self_score.html"
    actions = {
        "save": ("entries_form", "save"),
        "submit": ("entries_form", "submit"),
        "attach": ("evidence_form", "attach"),
    }

    def make_forms(self, data=None):
        bound = self.sheet_forms(data, self.request.FILES)
        return self.sheet_context(bound)

    def submit(self, form):
        if not self._save(form):
            return HttpResponseRedirect(self.request.get_full_path())
        services.submit_sheet(task=self.task, by=self.request.user)
        return self.done(_("The score sheet was sent to the head of the unit for signature."))


class SheetSigningView(SigningStepView, ScoringStepView):
    """A head's signature of a document of the scoring (his unit's sheet, the result)."""

    def document(self):
        raise NotImplementedError

    def field_id(self):
        document = self.document()
        return services.head_field(document).pk if document else None

    def pdf_url(self) -> str:
        return revision_url(self.scoring, self.document())


class SignSheetView(SheetSigningView):
    step_template = "scoring/steps/sign_sheet.html"
    actions = {**SigningStepView.actions, "return": ("return_form", "return_sheet")}
    service = staticmethod(services.sign_sheet)

    def document(self):
        return self.sheet.document if self.sheet.status == SheetStatus.SUBMITTED else None

    def make_forms(self, data=None):
        view = selectors.sheet_view(self.sheet)
        return {
            **super().make_forms(data),
            "return_form": forms.ReturnForm(data if data and "return" in data else None),
            "sheet": self.sheet,
            "subject_status": self.sheet.get_status_display(),
            "rows": list(table_rows(view)),
            "totals": view.totals("self_points"),
        }

    def return_sheet(self, form):
        services.return_sheet(task=self.task, by=self.request.user, **form.cleaned_data)
        return self.done(_("The score sheet went back to the unit's officer."))


class CrossScoreView(ScoringStepView):
    """The scoring unit's step: each of its units side by side (self, cross, difference)."""

    step_template = "scoring/steps/cross_score.html"
    actions = {
        "save": ("entries_form", "save"),
        "lists": (None, "apply_lists"),
        "finish": (None, "finish"),
    }

    @cached_property
    def unit_ids(self) -> list[int]:
        return selectors.units_scored_by(self.scoring, self.task.data["unit"])

    @cached_property
    def sheets(self):
        return selectors.sheet_totals(
            self.scoring, stages=("self_points", "after_cross"), unit_ids=self.unit_ids
        )

    @cached_property
    def current(self):
        """The unit shown in full (with its evidence), the first one by default."""
        wanted = self.request.GET.get("unit")
        chosen = next((t for t in self.sheets if str(t.sheet.unit_id) == wanted), None) or (
            self.sheets[0] if self.sheets else None
        )
        return selectors.sheet_view(chosen.sheet) if chosen else None

    def make_forms(self, data=None):
        current = self.current
        form = forms.EntriesForm(
            data,
            scores=list(current.scores.values()) if current else [],
            points_field="cross_points",
            note_field="cross_reason",
            note_label=gettext_lazy("reason for %(code)s"),
        )
        return {
            "entries_form": form,
            "sheets": [_side_by_side(totals) for totals in self.sheets],
            "current": current,
            "rows": list(table_rows(current, form)) if current else [],
        }

    def save(self, form):
        conflicts = services.cross_score(
            task=self.task,
            by=self.request.user,
            sheet=self.current.sheet,
            entries=form.entries("reason"),
        )
        for conflict in conflicts:
            messages.warning(self.request, str(conflict))
        messages.success(
            self.request,
            _("The cross-scores of %(unit)s were saved.") % {"unit": self.current.sheet.unit},
        )
        return HttpResponseRedirect(self.request.get_full_path())

    def apply_lists(self, form):
        changed = services.apply_lists_again(task=self.task, by=self.request.user)
        messages.success(
            self.request,
            _("The province's lists were applied again: %(count)s points changed.")
            % {"count": changed},
        )
        return HttpResponseRedirect(self.request.get_full_path())

    def finish(self, form):
        services.finish_cross_scoring(task=self.task, by=self.request.user)
        return self.done(_("Your cross-scoring was sent."))


class ReviewView(ScoringStepView):
    step_template = "scoring/steps/review.html"
    actions = {"accept": (None, "accept"), "dispute": ("dispute_form", "dispute")}

    def make_forms(self, data=None):
        view = selectors.sheet_view(self.sheet)
        form = forms.DisputeForm(data, scores=list(view.scores.values()))
        return {
            "dispute_form": form,
            "sheet": self.sheet,
            "subject_status": self.sheet.get_status_display(),
            "rows": list(table_rows(view)),
            "reason_fields": {
                s.criterion_id: form[f"reason-{s.criterion_id}"] for s in form.scores
            },
            "totals": view.totals("self_points"),
            "cross_totals": view.totals("after_cross"),
            "window_open": timezone.localdate() <= self.scoring.dispute_due,
        }

    def accept(self, form):
        services.accept(task=self.task, by=self.request.user)
        return self.done(_("Your unit accepted its cross-scored points."))

    def dispute(self, form):
        services.dispute(task=self.task, by=self.request.user, reasons=form.reasons())
        return self.done(_("Your dispute was sent to the bloc's leader."))


class DecideDisputesView(ScoringStepView):
    step_template = "scoring/steps/decide.html"
    actions = {"decide": ("decision_form", "decide"), "close": (None, "close")}

    def make_forms(self, data=None):
        return {
            "decision_form": forms.DecisionForm(data if data and "decide" in data else None),
            "disputes": list(selectors.disputes_of(self.scoring)),
        }

    def decide(self, form):
        data = form.cleaned_data
        services.decide_dispute(
            task=self.task,
            by=self.request.user,
            dispute=get_object_or_404(Dispute, pk=data["dispute"]),
            decision=data["decision"],
            points=data["points"],
            reason=data["reason"],
        )
        messages.success(self.request, _("The dispute was decided."))
        return HttpResponseRedirect(self.request.get_full_path())

    def close(self, form):
        services.close_disputes(task=self.task, by=self.request.user)
        return self.done(_("Every dispute is decided: the scores are final."))


class AgreeDisputesView(ScoringStepView):
    step_template = "scoring/steps/agree.html"
    actions = {"agree": (None, "agree"), "send_back": ("send_back_form", "send_back")}

    def make_forms(self, data=None):
        return {
            "send_back_form": forms.ReturnForm(data if data and "send_back" in data else None),
            "disputes": list(selectors.disputes_of(self.scoring)),
        }

    def agree(self, form):
        services.answer_decisions(task=self.task, by=self.request.user, agree=True)
        return self.done(_("You agreed with the decisions: the scores are final."))

    def send_back(self, form):
        services.answer_decisions(
            task=self.task, by=self.request.user, agree=False, reason=form.cleaned_data["reason"]
        )
        return self.done(_("The decisions went back to the bloc's leader."))


class FreezeView(ScoringStepView):
    step_template = "scoring/steps/freeze.html"
    actions = {"freeze": (None, "freeze")}

    def make_forms(self, data=None):
        rulings = self.scoring.rulings
        return {
            "placed": selectors.with_shares(
                selectors.ranking_preview(
                    self.scoring, rulings["scoring.ranking_tie_rule"]["value"]
                )
            ),
            "tie_rule": rulings["scoring.ranking_tie_rule"],
        }

    def freeze(self, form):
        services.freeze(task=self.task, by=self.request.user)
        return self.done(_("The scores are frozen and ranked; the result is being prepared."))


class SignResultView(SheetSigningView):
    step_template = "scoring/steps/sign_result.html"
    service = staticmethod(services.sign_result)

    @cached_property
    def result(self):
        return selectors.latest_result(self.scoring)

    def document(self):
        return self.result.document if self.result else None

    def make_forms(self, data=None):
        rows = self.result.rows.select_related("unit").order_by("rank") if self.result else []
        return {
            **super().make_forms(data),
            "result": self.result,
            "ranked": selectors.with_shares(rows),
        }


# -- the pages -------------------------------------------------------------------------------------


class ScoringListView(TemplateView):
    template_name = "scoring/scoring_list.html"

    def startable_terms(self):
        return services.startable_terms(self.request.user, timezone.localdate())

    def get_context_data(self, **kwargs):
        terms = self.startable_terms()
        return super().get_context_data(
            scorings=selectors.scorings_for_list(self.request.user),
            open_form=forms.OpenScoringForm(terms=terms) if terms.exists() else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = forms.OpenScoringForm(request.POST, terms=self.startable_terms())
        if form.is_valid():
            try:
                scoring = services.open_scoring(term=form.cleaned_data["term"], by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The scoring was opened: every unit has its task."))
                return HttpResponseRedirect(scoring_url(scoring))
        return HttpResponseRedirect(request.path)


class ScoringDetailView(TemplateView):
    template_name = "scoring/scoring_detail.html"

    def post(self, request, *args, **kwargs):
        """The leader unit closes the review once the dispute window is past."""
        scoring = visible_scoring_or_404(request.user, self.kwargs["pk"])
        if "close_review" in request.POST:
            try:
                silent = services.close_review(scoring=scoring, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("The review is closed: %(count)s units that did not answer accept.")
                    % {"count": len(silent)},
                )
        return HttpResponseRedirect(scoring_url(scoring))

    def get_context_data(self, **kwargs):
        try:
            scoring = selectors.scoring_detail(self.request.user, self.kwargs["pk"])
        except Scoring.DoesNotExist as error:
            raise Http404(NOT_VISIBLE) from error
        stages = ("self_points", "after_cross", "points")
        results = scoring.result_list
        return super().get_context_data(
            scoring=scoring,
            may_close_review=services.may_close_review(self.request.user, scoring),
            sheets=[_stages_shown(t) for t in selectors.sheet_totals(scoring, stages=stages)],
            result=results[0] if results else None,
            ranked=selectors.with_shares(results[0].row_list) if results else [],
            results=results,
            result_pdf=revision_url(scoring, results[0].document) if results else "",
            rulings=[
                (PARAMETERS[key], scoring.rulings[key])
                for key in services.RULES
                if key in scoring.rulings
            ],
            **kwargs,
        )


class SheetPageView(SheetForms, TemplateView):
    """A unit's sheet: every stage's points side by side; its officer and head fill it while
    it is theirs, and send it to the head again after he returned it."""

    template_name = "scoring/sheet.html"
    actions = {
        "save": ("entries_form", "save"),
        "attach": ("evidence_form", "attach"),
        "resend": ("entries_form", "resend"),
    }

    @cached_property
    def scoring(self):
        return visible_scoring_or_404(self.request.user, self.kwargs["pk"])

    @cached_property
    def sheet(self) -> ScoreSheet:
        return get_object_or_404(
            self.scoring.sheets.select_related("unit", "document"), unit_id=self.kwargs["unit"]
        )

    def get_context_data(self, **kwargs):
        bound = kwargs.pop("bound", None) or self.sheet_forms()
        fill = services.may_fill(self.request.user, self.sheet)
        task = services.open_task_of(self.scoring, ScoringFlow.self_score, self.sheet.unit_id)
        return super().get_context_data(
            scoring=self.scoring,
            # While the officer's task is open the sheet is filled there (its owner is sent
            # to it); after the head returned it, here.
            may_fill=fill and task is None,
            returned=fill and self.sheet.submitted_at is not None,
            self_task_url=_task_url(task) if task and task.owner_id == self.request.user.pk else "",
            sheet_pdf=revision_url(self.scoring, self.sheet.document),
            cross_scored=self.sheet.status not in SELF_STAGES,
            cross_totals=self.sheet_view.totals("after_cross"),
            final_totals=self.sheet_view.totals(),
            plain_rows=list(table_rows(self.sheet_view)),
            **self.sheet_context(bound),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        action = next((name for name in self.actions if name in request.POST), None)
        if action is None:
            return HttpResponseRedirect(request.path)
        bound = self.sheet_forms(request.POST, request.FILES)
        form_name, method = self.actions[action]
        form = bound[form_name]
        if form.is_valid():
            try:
                return getattr(self, method)(form)
            except ValidationError as error:
                form.add_error(None, error)
        return self.render_to_response(self.get_context_data(bound=bound))

    def resend(self, form):
        if self._save(form):
            services.resend_sheet(sheet=self.sheet, by=self.request.user)
            messages.success(self.request, _("The score sheet was sent to the head again."))
        return HttpResponseRedirect(self.request.get_full_path())


def _stages_shown(totals: selectors.SheetTotals):
    """(sheet, own, cross, final totals), each None where the sheet has not reached it."""
    sheet = totals.sheet
    own = None if sheet.status == SheetStatus.DRAFT else totals["self_points"]
    if sheet.status in SELF_STAGES:
        return sheet, own, None, None
    return sheet, own, totals["after_cross"], totals["points"]


def _task_url(task) -> str:
    return task.flow_task.reverse("index", args=[task.process_id, task.pk])


class RevisionDownloadView(View):
    """A stored revision of one of the scoring's PDFs (a sheet, a result)."""

    def get(self, request, pk, revision):
        scoring = visible_scoring_or_404(request.user, pk)
        stored = get_object_or_404(
            Revision.objects.filter(_documents_of(scoring)).select_related("document"),
            pk=revision,
        )
        return FileResponse(
            default_storage.open(stored.path),
            content_type="application/pdf",
            filename=f"cham-diem-{scoring.term.year}-{stored.document_id}-r{stored.number}.pdf",
        )


def _documents_of(scoring) -> Q:
    """The scoring's PDFs: its units' sheets and its results."""
    return Q(document__score_sheet__scoring=scoring) | Q(document__scoring_result__scoring=scoring)


class EvidenceDownloadView(View):
    def get(self, request, pk, attachment):
        scoring = visible_scoring_or_404(request.user, pk)
        scores = ComponentScore.objects.filter(sheet__scoring=scoring).values("pk")
        return attachment_download(
            get_object_or_404(
                attachments_of(ComponentScore).filter(owner_id__in=scores), pk=attachment
            )
        )


class ScoringViewset(AppMenuMixin, Viewset):
    """Year-end scoring: each official sees that of his blocs; steps go through the tasks."""

    app_name = "scorings"
    title = gettext_lazy("Year-end scoring")
    icon = "leaderboard"

    index_path = path("", ScoringListView.as_view(), name="index")
    detail_path = path("<int:pk>/", ScoringDetailView.as_view(), name="detail")
    sheet_path = path("<int:pk>/units/<int:unit>/", SheetPageView.as_view(), name="sheet")
    revision_path = path(
        "<int:pk>/revisions/<int:revision>.pdf", RevisionDownloadView.as_view(), name="revision"
    )
    evidence_path = path(
        "<int:pk>/evidence/<int:attachment>/", EvidenceDownloadView.as_view(), name="evidence"
    )
