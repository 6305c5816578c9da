"""Pages of the engine: the inbox, queue and archive, the step of a task, an attachment.

The inbox, queue and archive are viewflow's lists with every column header translatable.

viewflow derives some headers from attribute names ("Brief", "Created"), which gettext cannot
reach; these subclasses name them, and join each flow's process class so that a list costs the
same queries whatever its length.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from viewflow.workflow.flow import views
from viewflow.workflow.models import Process

from workflows.deadlines import due_on
from workflows.models import Role


def process_subclass_paths() -> list[str]:
    """``process__<subclass>`` for every flow's concrete Process subclass.

    viewflow renders each row's summary from the flow's own process class, which it reaches
    through the one-to-one parent link: joining them here saves a query per row.
    """
    return [
        f"process__{relation.name}"
        for relation in Process._meta.related_objects
        if relation.one_to_one and relation.parent_link
    ]


class TaskListColumns:
    def get_queryset(self):
        return super().get_queryset().select_related(*process_subclass_paths())

    def brief(self, task):
        return task.brief

    brief.short_description = _("Summary")

    def process_brief(self, task):
        return super().process_brief(task)

    process_brief.short_description = _("Process")


class InboxListView(TaskListColumns, views.WorkflowInboxListView):
    def created(self, task):
        return _("%(time)s ago") % {"time": timesince(task.created)}

    created.short_description = _("Received")


class QueueListView(TaskListColumns, views.WorkflowQueueListView):
    pass


class ArchiveListView(TaskListColumns, views.WorkflowArchiveListView):
    pass


def attachment_download(attachment) -> FileResponse:
    """The attached file, under the name it was uploaded with (the caller checked access)."""
    return FileResponse(
        ContentFile(attachment.read()), as_attachment=True, filename=attachment.file_name
    )


def why_line(task, actor) -> str:
    """A plain sentence saying why ``task`` is this person's (his role, or his delegation)."""
    unit, step = task.flow_task.unit_name(task), task.flow_task.reason
    role = actor.appointment.title or Role(actor.role).label
    if actor.is_substitute:
        return gettext(
            "You act for %(principal)s, %(role)s of %(unit)s, under his delegation (%(prefix)s)"
            " until %(until)s: %(step)s."
        ) % {
            "principal": actor.principal.get_full_name(),
            "role": role.lower(),
            "unit": unit,
            "prefix": actor.signing_prefix,
            "until": actor.delegation.valid_to.strftime("%d/%m/%Y"),
            "step": step,
        }
    return gettext("You are %(role)s of %(unit)s: %(step)s.") % {
        "role": role.lower(),
        "unit": unit,
        "step": step,
    }


class StepView(TemplateView):
    """The page of one step of a flow's task, inside viewflow's task wrapper.

    ``request.activation`` is the task's (POSTs run under the flow's lock). A flow's step says
    what the task is about (:attr:`subject`, its page, the breadcrumbs above and the live
    socket that refreshes it), gives its part of the page (``step_template``) and its forms
    (:meth:`make_forms`), and maps each submit button's name to (form name, method):
    ``actions``. A method calls the flow's service; a refusal (ValidationError) becomes a
    message on the form and the page is shown again.
    """

    template_name = "workflows/step.html"
    step_template: str = ""
    actions: dict[str, tuple[str | None, str]] = {}

    @property
    def task(self):
        return self.request.activation.task

    @cached_property
    def subject(self):
        """The object the task is about (a covenant, a score sheet…)."""
        raise NotImplementedError

    def subject_url(self) -> str:
        raise NotImplementedError

    def breadcrumbs(self) -> list[tuple[str, str]]:
        """(label, url) of the pages above the step, the subject's last."""
        return [(str(self.subject), self.subject_url())]

    def live_socket(self) -> str:
        """The websocket whose events refresh the step (empty: none)."""
        return ""

    def make_forms(self, data=None) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        actor = self.request.activation.flow_task.actor(self.request.user, self.task)
        status = getattr(self.subject, "get_status_display", None)
        context = {
            "task": self.task,
            "subject": self.subject,
            "subject_status": status() if status else "",
            "subject_url": self.subject_url(),
            "breadcrumbs": self.breadcrumbs(),
            "live_socket": self.live_socket(),
            "due": due_on(self.task),
            "why": why_line(self.task, actor) if actor else "",
            "step_template": self.step_template,
            **self.make_forms(),
        }
        return super().get_context_data(**{**context, **kwargs})

    def post(self, request, *args, **kwargs):
        action = next((name for name in self.actions if name in request.POST), None)
        if action is None:
            return HttpResponseBadRequest(gettext("Unknown action."))
        bound = self.make_forms(request.POST)
        form_name, method = self.actions[action]
        form = bound.get(form_name)
        if form is None or form.is_valid():
            try:
                result = getattr(self, method)(form)
            except ValidationError as error:
                if form is None:
                    messages.error(request, " ".join(error.messages))
                else:
                    form.add_error(None, error)
            else:
                return result
        return self.render_to_response(self.get_context_data(**bound))

    def done(self, message: str):
        """Back to the subject's page, with ``message``."""
        messages.success(self.request, message)
        return HttpResponseRedirect(self.subject_url())
