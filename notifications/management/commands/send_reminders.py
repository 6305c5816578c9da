from django.core.management.base import BaseCommand

from notifications.reminders import send_reminders
from notifications.tasks import send_reminders_task


class Command(BaseCommand):
    help = (
        "Remind the holders of tasks due soon, tell them of overdue tasks and, where the bloc's "
        "rules say so, their deputy heads. Each notice goes once: run it as often as you like."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the work for the task workers instead of doing it now.",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = send_reminders_task.enqueue()
            self.stdout.write(f"queued: {result.id}")
            return
        report = send_reminders()
        self.stdout.write(
            f"reminded: {report.reminded}, overdue: {report.overdue}, escalated: {report.escalated}"
        )
