"""System checks of the engine: every flow locks its process, every step has a title in the
site's language, every role task says who acts.

Run by ``manage.py check`` (and every command); each message says what is wrong and how to
put it right, in the site's language.
"""

from django.core.checks import Error, Warning, register
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import lock
from viewflow.workflow.base import Flow

from workflows.nodes import RoleTask


def _flows(base=Flow):
    for flow in base.__subclasses__():
        yield flow
        yield from _flows(flow)


@register("workflows")
def check_flows(app_configs=None, **kwargs):
    problems = []
    for flow in _flows():
        name = f"{flow.__module__}.{flow.__qualname__}"
        if flow.lock_impl is lock.no_lock:
            problems.append(
                Error(
                    _("The flow %(flow)s does not lock its process.") % {"flow": name},
                    hint=_(
                        "Set lock_impl = staticmethod(workflows.locks.process_row_lock): without"
                        " a lock two people completing tasks at the same moment create the"
                        " next tasks twice."
                    ),
                    obj=flow,
                    id="workflows.E001",
                )
            )
        for node in flow.instance.nodes():
            problems += _check_node(name, node)
    return problems


def _check_node(flow_name: str, node) -> list:
    where = {"flow": flow_name, "node": node.name}
    problems = []
    if not isinstance(node.task_title, Promise):
        problems.append(
            Warning(
                _("The step %(node)s of the flow %(flow)s has no title in the site's language.")
                % where,
                hint=_(
                    'Give it .Annotation(title=_("…")): the process page and the inbox show'
                    " it (viewflow would show its code name in English)."
                ),
                obj=node,
                id="workflows.W002",
            )
        )
    if isinstance(node, RoleTask):
        problems += _check_role_task(where, node)
    return problems


def _check_role_task(where: dict, node) -> list:
    if node.role is None:
        return [
            Error(
                _("The task %(node)s of the flow %(flow)s names no role.") % where,
                hint=_("Call .Role(role, …) on it: the engine assigns a role task by role."),
                obj=node,
                id="workflows.E002",
            )
        ]
    if not node.reason:
        return [
            Warning(
                _("The task %(node)s of the flow %(flow)s does not say why it is its holder's.")
                % where,
                hint=_("Give .Role(…, reason=…): the step page tells the official why."),
                obj=node,
                id="workflows.W001",
            )
        ]
    return []
