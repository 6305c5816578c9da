"""The engine's system checks find a flow without a lock, a step without a translatable title and
a role task without its role."""

from viewflow import this
from viewflow.workflow import flow, lock

from flows.pledges.flows import CovenantFlow
from workflows import checks
from workflows.models import Role
from workflows.nodes import RoleTask


def test_the_project_flows_pass():
    assert [problem for problem in checks.check_flows() if "CovenantFlow" in problem.msg] == []


def test_a_flow_without_a_lock_or_a_role_is_found():
    class CarelessFlow(flow.Flow):
        process_class = CovenantFlow.process_class
        start = flow.StartHandle().Next(this.vote)
        vote = RoleTask("flows.pledges.views.ReviewView").Next(this.explain)
        explain = RoleTask("flows.pledges.views.ReviewView").Role(Role.HEAD).Next(this.end)
        end = flow.End()

    assert CarelessFlow.lock_impl is lock.no_lock
    found = {
        problem.id: problem.msg for problem in checks.check_flows() if "CarelessFlow" in problem.msg
    }
    assert set(found) == {"workflows.E001", "workflows.E002", "workflows.W001", "workflows.W002"}
    assert "không khóa" in found["workflows.E001"]
