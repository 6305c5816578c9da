"""Reminders before the due date, overdue notices, escalation to the deputy head: once each."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from flows.pledges import services
from flows.pledges.flows import CovenantFlow
from notifications.models import Notification
from notifications.reminders import send_reminders
from tests.flows.pledges.test_flow import draft_and_submit, open_tasks
from workflows.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def test_reminded_then_overdue_then_escalated_once_each(covenant_bloc, make_user, appoint):
    bloc = covenant_bloc(2)
    bloc.term.bloc.escalate_overdue = True
    bloc.term.bloc.save()
    deputy = make_user()
    appoint(deputy, bloc.units[1], Role.DEPUTY_HEAD)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    [review, _other] = open_tasks(covenant, CovenantFlow.review)
    due = datetime.date.fromisoformat(review.data["due"])
    assert due == timezone.localdate() + datetime.timedelta(days=7)

    assert send_reminders(today=due - datetime.timedelta(days=3)).reminded == 0
    assert send_reminders(today=due - datetime.timedelta(days=2)).reminded == 2
    assert send_reminders(today=due).reminded == 0  # once
    report = send_reminders(today=due + datetime.timedelta(days=1))
    assert (report.overdue, report.escalated) == (2, 1)  # only the second unit has a deputy
    assert send_reminders(today=due + datetime.timedelta(days=2)).overdue == 0

    titles = list(Notification.objects.filter(user=deputy).values_list("title", flat=True))
    assert len(titles) == 1 and "Quá hạn" in titles[0]
    head_titles = Notification.objects.filter(user=bloc.heads[0]).values_list("title", flat=True)
    assert sorted(title.split(":")[0] for title in head_titles) == ["Nhắc việc", "Quá hạn"]


def test_the_command_runs_now_or_queues(covenant_bloc, capsys):
    call_command("send_reminders")
    assert "reminded: 0" in capsys.readouterr().out
    call_command("send_reminders", enqueue=True)
    assert "queued" in capsys.readouterr().out
