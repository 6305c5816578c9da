"""Pages of the engine: the inbox, queue and archive, and the download of an attachment.

The inbox, queue and archive are viewflow's lists with every column header translatable.

viewflow derives some headers from attribute names ("Brief", "Created"), which gettext cannot
reach; these subclasses name them, and join each flow's process class so that a list costs the
same queries whatever its length.
"""

from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import views
from viewflow.workflow.models import Process


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
