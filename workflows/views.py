"""The inbox, queue and archive: viewflow's lists with every column header translatable.

viewflow derives some headers from attribute names ("Brief", "Created"), which gettext cannot
reach; these subclasses name them.
"""

from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import views


class TranslatedTaskColumns:
    def brief(self, task):
        return task.brief

    brief.short_description = _("Summary")

    def process_brief(self, task):
        return super().process_brief(task)

    process_brief.short_description = _("Process")


class InboxListView(TranslatedTaskColumns, views.WorkflowInboxListView):
    def created(self, task):
        return _("%(time)s ago") % {"time": timesince(task.created)}

    created.short_description = _("Received")


class QueueListView(TranslatedTaskColumns, views.WorkflowQueueListView):
    pass


class ArchiveListView(TranslatedTaskColumns, views.WorkflowArchiveListView):
    pass
