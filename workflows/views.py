"""Pages of the engine: the inbox, queue and archive, a process's history, the step of a task,
an attachment; the apps that put a flow's pages on the site.

The inbox, queue and archive are viewflow's lists with every column header translatable.

viewflow derives some headers from attribute names ("Brief", "Created"), which gettext cannot
reach; these subclasses name them, and join each flow's process class so that a list costs the
same queries whatever its length.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView, TemplateView
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import views
from viewflow.workflow.flow import viewset as viewflow_apps
from viewflow.workflow.flow.views import filters as viewflow_filters
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


def summary_paths(flow_classes) -> list[str]:
    """``process__<subclass>__<path>`` for what each flow's process summary reads (its
    ``summary_related``), so that a list row's summary costs no query of its own."""
    return [
        f"process__{flow_class.process_class._meta.model_name}__{path}"
        for flow_class in flow_classes
        for path in getattr(flow_class, "summary_related", ())
    ]


def step_choices(queryset) -> list[tuple[str, str]]:
    """(reference, title) of the steps of ``queryset``'s tasks, each by its flow's and its own
    title in the site's language (viewflow lists "Process/Review", the node's code name)."""
    flow_tasks = queryset.order_by("flow_task").values_list("flow_task", flat=True).distinct()
    return [
        (get_task_ref(flow_task), f"{flow_task.flow_class.process_title}: {flow_task.task_title}")
        for flow_task in flow_tasks
    ]


class StepChoices:
    """A task list filter offering the steps by their titles."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = step_choices(self.queryset)


class OpenTaskFilter(StepChoices, viewflow_filters.FlowUserTaskListFilter):
    pass


class ArchiveFilter(StepChoices, viewflow_filters.FlowArchiveListFilter):
    pass


class DashboardTaskFilter(StepChoices, viewflow_filters.DashboardTaskListViewFilter):
    pass


class TaskListColumns:
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(*process_subclass_paths(), *summary_paths(self.flow_classes))
        )

    def brief(self, task):
        return task.brief

    brief.short_description = _("Summary")

    def process_brief(self, task):
        return super().process_brief(task)

    process_brief.short_description = _("Process")


class InboxListView(TaskListColumns, views.WorkflowInboxListView):
    filterset_class = OpenTaskFilter

    def created(self, task):
        # The site's one way of writing a moment (HH:MM dd/mm/yyyy, local time), not a
        # relative "1 hour, 5 minutes ago", which Django's Vietnamese leaves half English.
        return date_format(timezone.localtime(task.created), "SHORT_DATETIME_FORMAT")

    created.short_description = _("Received")


class QueueListView(TaskListColumns, views.WorkflowQueueListView):
    filterset_class = OpenTaskFilter


class ArchiveListView(TaskListColumns, views.WorkflowArchiveListView):
    filterset_class = ArchiveFilter


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


# -- a flow's pages on the site -------------------------------------------------------------------


MANAGERS_ONLY = _("The overview of every process of a flow is for the flow's managers.")


class ProcessDetailView(views.DetailProcessView):
    """A process's history: its steps, who held each, when; for whom may see the process
    (``workflows.access``). Cancelling is offered to the flow's managers only."""

    template_name = "workflows/process_detail.html"

    def get_context_data(self, **kwargs):
        process = self.object
        flow = self.flow_class.instance
        tasks = process.task_set.select_related("owner").order_by("created", "pk")
        return super().get_context_data(
            task_list=tasks,
            may_cancel=process.status == "NEW" and flow.has_manage_permission(self.request.user),
            **kwargs,
        )


class ProcessListView(views.DashboardProcessListView):
    """Every process of the flow (the managers' overview), newest first, its columns named in
    the site's language."""

    def get_queryset(self):
        return super().get_queryset().order_by("-created", "-pk")

    def process_id(self, process):
        return super().process_id(process)

    process_id.short_description = _("No.")

    def brief(self, process):
        return process.brief

    brief.short_description = _("Summary")


class TaskListView(views.DashboardTaskListView):
    """Every task of the flow (the managers' overview): each step by its title."""

    filterset_class = DashboardTaskFilter

    def flow_task(self, task):
        return task.flow_task.task_title

    flow_task.short_description = _("Step")

    def process_summary(self, task):
        return super().process_summary(task)

    process_summary.short_description = _("Process")


class ManagersChartView(views.FlowChartView):
    """The flow's chart, and a process's state on it: part of the managers' overview."""

    def dispatch(self, request, *args, **kwargs):
        if not self.flow_class.instance.has_manage_permission(request.user):
            raise PermissionDenied(MANAGERS_ONLY)
        return super().dispatch(request, *args, **kwargs)


class FlowViewset(viewflow_apps.FlowViewset):
    """A flow on the site: its overview (dashboard, every process and task, charts) for its
    managers; a process's history for whom may see the process; the tasks' own pages."""

    process_detail_view_class = ProcessDetailView
    process_list_view_class = ProcessListView
    task_list_view_class = TaskListView
    chart_view_class = ManagersChartView

    def has_view_permission(self, user, obj=None):
        return self._flow_class.instance.has_manage_permission(user)


class FlowsIndexView(RedirectView):
    """The overview of the first flow the user manages."""

    viewset = None

    def get_redirect_url(self, *args, **kwargs):
        for flow_class in self.viewset.parent.flow_classes:
            if flow_class.instance.has_manage_permission(self.request.user):
                return flow_class.instance.reverse("index")
        raise PermissionDenied(MANAGERS_ONLY)


class FlowsApp(viewflow_apps.NestedFlowsApp):
    """Every flow's pages: the task pages for every official (each page asks the flow), the
    overviews for the flows' managers (``FlowViewset``, ``FlowsIndexView``)."""

    @property
    def index_path(self):
        return path("", FlowsIndexView.as_view(viewset=self), name="index")


class WorkflowApp(viewflow_apps.WorkflowAppViewset):
    """The inbox, queue and archive of every flow, and the flows' pages; its menu links the
    flows' overviews for their managers only."""

    menu_template_name = "workflows/workflow_menu.html"

    def __init__(self, flow_viewsets, **kwargs):
        # viewflow's __init__ does these two things with its own NestedFlowsApp, whose index
        # fails (ValueError, a server error) for a user who manages no flow.
        self.flow_classes = [viewset._flow_class for viewset in flow_viewsets]
        kwargs["viewsets"] = [*kwargs.get("viewsets", []), FlowsApp(viewsets=flow_viewsets)]
        super(viewflow_apps.WorkflowAppViewset, self).__init__(**kwargs)

    def manages_a_flow(self, user) -> bool:
        return any(flow.instance.has_manage_permission(user) for flow in self.flow_classes)

    def get_context_data(self, request):
        return {
            **super().get_context_data(request),
            "manages_a_flow": self.manages_a_flow(request.user),
        }
