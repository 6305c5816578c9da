"""Covenant pages and the task steps of the covenant flow.

The step views run inside viewflow's task wrapper (``request.activation``; POSTs under the
flow lock) and do nothing but call a service: a refusal becomes a message on the form.
"""

import itertools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from viewflow.urls import AppMenuMixin, Viewset

from flows.pledges import forms, selectors, services
from flows.pledges.models import Covenant, CovenantStatus, CovenantVersion
from signatures import pipeline
from signatures.models import Revision
from signatures.views import SigningStepView
from workflows.deadlines import due_on
from workflows.forms import AttachmentForm
from workflows.selectors import attachments_of
from workflows.views import StepView, attachment_download


def covenant_url(covenant) -> str:
    return reverse("thidua:covenants:detail", args=[covenant.pk])


NOT_VISIBLE = gettext_lazy("No such covenant, or not one you may see.")


def visible_covenant_or_404(user, pk: int) -> Covenant:
    """The covenant, if ``user`` may see it; else 404, as if it did not exist (the policy)."""
    try:
        return selectors.visible_covenants(user).select_related("term").get(pk=pk)
    except Covenant.DoesNotExist as error:
        raise Http404(NOT_VISIBLE) from error


class CovenantStepView(StepView):
    """A step of the covenant flow: its task is about the process's covenant."""

    template_name = "pledges/step.html"

    @cached_property
    def subject(self) -> Covenant:
        return Covenant.objects.select_related("term__bloc", "term__leader").get(
            pk=self.request.activation.process.covenant_id
        )

    @property
    def covenant(self) -> Covenant:
        return self.subject

    def subject_url(self) -> str:
        return covenant_url(self.covenant)

    def breadcrumbs(self):
        return [
            (_("Emulation covenants"), reverse("thidua:covenants:index")),
            *super().breadcrumbs(),
        ]

    def live_socket(self) -> str:
        return f"/ws/covenant/{self.covenant.pk}/"

    def get_context_data(self, **kwargs):
        covenant = self.covenant
        return super().get_context_data(
            covenant=covenant,
            version=selectors.current_version(covenant),
            covenant_url=covenant_url(covenant),
            **kwargs,
        )


class DraftView(CovenantStepView):
    step_template = "pledges/steps/draft.html"
    actions = {
        "save": ("draft_form", "save"),
        "submit": ("draft_form", "submit"),
        "attach": ("attachment_form", "attach"),
        "withdraw": ("withdraw_form", "withdraw"),
    }

    def make_forms(self, data=None):
        version = selectors.current_version(self.covenant)
        initial = {
            field: getattr(version, field)
            for field in ("title", "basis", "theme", "preamble", "closing")
        }
        commitments = [{"heading": c.heading, "text": c.text} for c in version.commitments.all()]
        targets = [
            {"code": t.code, "text": t.text, "value": t.value, "unit": t.unit}
            for t in version.targets.all()
        ]
        return {
            "draft_form": forms.DraftForm(data, initial=initial),
            "commitment_forms": forms.CommitmentFormSet(
                data, initial=commitments, prefix="commitments"
            ),
            "target_forms": forms.TargetFormSet(data, initial=targets, prefix="targets"),
            "withdraw_form": forms.WithdrawForm(data if data and "withdraw" in data else None),
            "attachment_form": AttachmentForm(
                *((data, self.request.FILES) if data and "attach" in data else ())
            ),
        }

    def _save(self, form):
        bound = self.make_forms(self.request.POST)
        commitment_forms, target_forms = bound["commitment_forms"], bound["target_forms"]
        if not (commitment_forms.is_valid() and target_forms.is_valid()):
            raise ValidationError(_("Correct the commitments and targets below."))
        return services.save_draft(
            task=self.task,
            by=self.request.user,
            commitments=[f.cleaned_data for f in commitment_forms if f.cleaned_data],
            targets=[f.cleaned_data for f in target_forms if f.has_content()],
            **form.cleaned_data,
        )

    def save(self, form):
        version = self._save(form)
        messages.success(self.request, _("Version %(number)s saved.") % {"number": version.number})
        return HttpResponseRedirect(self.request.get_full_path())

    def submit(self, form):
        self._save(form)
        services.submit_draft(task=self.task, by=self.request.user)
        return self.done(_("The draft was sent to every member unit for review."))

    def withdraw(self, form):
        services.withdraw(task=self.task, by=self.request.user, reason=form.cleaned_data["reason"])
        return self.done(_("The covenant was withdrawn."))

    def attach(self, form):
        upload = form.cleaned_data["file"]
        if upload is None:
            raise ValidationError(_("Choose the file to attach."))
        attachment = services.attach(
            task=self.task, by=self.request.user, name=form.cleaned_data["name"], file=upload
        )
        messages.success(self.request, _("%(name)s attached.") % {"name": attachment.name})
        return HttpResponseRedirect(self.request.get_full_path())


class ReviewView(CovenantStepView):
    step_template = "pledges/steps/review.html"
    actions = {"review": ("review_form", "review")}

    def make_forms(self, data=None):
        return {"review_form": forms.ReviewForm(data)}

    def review(self, form):
        services.review_draft(task=self.task, by=self.request.user, **form.cleaned_data)
        return self.done(_("Your unit's opinion was recorded."))


class AdoptView(CovenantStepView):
    step_template = "pledges/steps/adopt.html"
    actions = {"adopt": (None, "adopt")}

    def adopt(self, form):
        services.adopt(task=self.task, by=self.request.user)
        return self.done(
            _("The covenant was adopted; its PDF is being prepared for the heads' signatures.")
        )


class CovenantSigningView(SigningStepView, CovenantStepView):
    """A signature of the covenant's current version: the head's, or the clerk's."""

    def pdf_url(self) -> str:
        document = selectors.current_version(self.covenant).document
        if document is None:
            return ""
        revision = document.latest_revision()
        return reverse("thidua:covenants:revision", args=[self.covenant.pk, revision.pk])


class SignView(CovenantSigningView):
    step_template = "pledges/steps/sign.html"
    actions = {**SigningStepView.actions, "decline": ("decline_form", "decline")}
    service = staticmethod(services.sign)

    def make_forms(self, data=None):
        return {
            **super().make_forms(data),
            "decline_form": forms.DeclineForm(data if data and "decline" in data else None),
        }

    def decline(self, form):
        services.decline(task=self.task, by=self.request.user, reason=form.cleaned_data["reason"])
        return self.done(_("You declined to sign; the leader unit and the signers are told."))


class RegisterView(CovenantSigningView):
    step_template = "pledges/steps/register.html"
    service = staticmethod(services.register)

    def field_id(self):
        document = selectors.current_version(self.covenant).document
        return pipeline.organisation_field(document).pk if document else None


class AnswerDeclineView(CovenantStepView):
    step_template = "pledges/steps/answer_decline.html"
    actions = {"answer": ("answer_form", "answer")}

    def make_forms(self, data=None):
        return {"answer_form": forms.AnswerDeclineForm(data)}

    def answer(self, form):
        reopen = form.cleaned_data["answer"] == forms.AnswerDeclineForm.REOPEN
        services.answer_decline(
            task=self.task, by=self.request.user, reopen=reopen, reason=form.cleaned_data["reason"]
        )
        if reopen:
            return self.done(_("A new version was opened for drafting."))
        return self.done(_("The covenant was withdrawn."))


# -- covenant pages ----------------------------------------------------------------------------


class CovenantListView(TemplateView):
    template_name = "pledges/covenant_list.html"

    def startable_terms(self):
        return services.startable_terms(self.request.user, timezone.localdate())

    def get_context_data(self, **kwargs):
        terms = self.startable_terms()
        return super().get_context_data(
            covenants=selectors.covenants_for_list(self.request.user),
            start_form=forms.StartForm(terms=terms) if terms.exists() else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = forms.StartForm(request.POST, terms=self.startable_terms())
        if form.is_valid():
            try:
                covenant = services.start_covenant(term=form.cleaned_data["term"], by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The draft covenant was opened."))
                return HttpResponseRedirect(covenant_url(covenant))
        return HttpResponseRedirect(request.path)


class CovenantDetailView(TemplateView):
    template_name = "pledges/covenant_detail.html"

    def get_context_data(self, **kwargs):
        try:
            covenant = selectors.covenant_detail(self.request.user, self.kwargs["pk"])
        except Covenant.DoesNotExist as error:
            raise Http404(NOT_VISIBLE) from error
        versions = list(covenant.versions.all())
        for newer, older in itertools.pairwise(versions):
            newer.diff = selectors.version_diff(older, newer)
        return super().get_context_data(
            covenant=covenant,
            versions=versions,
            current=versions[0] if versions else None,
            final_revision=self.final_revision(covenant, versions),
            open_tasks=self.open_tasks(covenant),
            is_void=covenant.status in (CovenantStatus.WITHDRAWN,),
            **kwargs,
        )

    @staticmethod
    def final_revision(covenant, versions):
        """The signed and sealed PDF of a covenant in force: its current version's last
        revision (prefetched, in order), offered first on the page."""
        if covenant.status != CovenantStatus.IN_FORCE or not versions[0].document:
            return None
        return list(versions[0].document.revisions.all())[-1]

    def open_tasks(self, covenant):
        tasks = list(selectors.open_tasks(covenant))
        for task in tasks:
            task.url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
            task.due = due_on(task)
        return tasks


class RevisionDownloadView(View):
    """A stored revision of a covenant's PDF, as it was at that step."""

    def get(self, request, pk, revision):
        covenant = visible_covenant_or_404(request.user, pk)
        stored = get_object_or_404(
            Revision, document__covenant_version__covenant=covenant, pk=revision
        )
        return FileResponse(
            default_storage.open(stored.path),
            content_type="application/pdf",
            filename=f"giao-uoc-{covenant.term.year}-{covenant.pk}-r{stored.number}.pdf",
        )


class AttachmentDownloadView(View):
    """A file attached to one of the covenant's versions."""

    def get(self, request, pk, attachment):
        covenant = visible_covenant_or_404(request.user, pk)
        versions = CovenantVersion.objects.filter(covenant=covenant).values("pk")
        return attachment_download(
            get_object_or_404(
                attachments_of(CovenantVersion).filter(owner_id__in=versions), pk=attachment
            )
        )


class CovenantViewset(AppMenuMixin, Viewset):
    """Covenants: each official sees those of his blocs (flows.blocs.access); steps go
    through the tasks."""

    app_name = "covenants"
    title = gettext_lazy("Emulation covenants")
    icon = "handshake"

    index_path = path("", CovenantListView.as_view(), name="index")
    detail_path = path("<int:pk>/", CovenantDetailView.as_view(), name="detail")
    attachment_path = path(
        "<int:pk>/attachments/<int:attachment>/",
        AttachmentDownloadView.as_view(),
        name="attachment",
    )
    revision_path = path(
        "<int:pk>/revisions/<int:revision>.pdf", RevisionDownloadView.as_view(), name="revision"
    )
