from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workflows.selectors import verify_audit_chain


class Command(BaseCommand):
    help = "Re-hash the audit log; exit non-zero naming the first altered or removed entry."

    def handle(self, *args, **options):
        report = verify_audit_chain()
        if not report.intact:
            raise CommandError(report.problem)
        self.stdout.write(
            _("The audit log is intact: %(count)s entries checked.") % {"count": report.checked}
        )
