"""Who may see a flow's processes and tasks: the flow says, through its subject.

viewflow asks a flow ``has_view_permission(user)`` for its menu entry and the inbox, and
``has_view_permission(user, process)`` before the process page and every task page; by default
both answer from a model permission, which would show every process to anyone granted it. A
flow of ours mixes in :class:`ProcessVisibility` and says who may see one of its processes
(:meth:`~ProcessVisibility.may_see_process`, usually "whoever may see its subject", from the
flow's policy). The overview of all the flow's processes (dashboard, lists, charts) is for its
managers only (``manage_<process>``, given by an administrator).
"""

from viewflow.workflow.models import Task


class ProcessVisibility:
    """Flow mixin: the inbox for every official, a process for whom may see its subject."""

    def has_view_permission(self, user, obj=None):
        if not user.is_authenticated:
            return False
        if obj is None:
            # The flow's inbox entry: the tasks in it are only ever the user's own.
            return True
        return (
            self.has_manage_permission(user)
            or self.may_see_process(user, obj)
            or Task.objects.filter(process=obj, owner=user).exists()
        )

    def may_see_process(self, user, process) -> bool:
        """Whether ``user`` may see ``process``, its history and its tasks' pages."""
        raise NotImplementedError
