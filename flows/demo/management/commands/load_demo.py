from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from flows.demo import services


class Command(BaseCommand):
    help = "Load the demo blocs, terms, organisations and accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--logins", action="store_true", help="Print the demo logins after loading."
        )

    def handle(self, *args, logins=False, **options):
        report = services.load_demo()
        if report.changed:
            created = "; ".join(
                f"{model._meta.verbose_name_plural}: {count}"
                for model, count in report.created.items()
            )
            self.stdout.write(
                self.style.SUCCESS(_("Demo data loaded (%(created)s).") % {"created": created})
            )
        else:
            self.stdout.write(_("Demo data already present: nothing changed."))
        if logins:
            self.print_logins()

    def print_logins(self):
        data = services.demo_data()
        units = {row["code"]: row for row in data["units"]}
        self.stdout.write("")
        self.stdout.write(
            _("Demo logins (password for every account: %(password)s)")
            % {"password": services.DEMO_PASSWORD}
        )
        admin_label = _("administrator (admin site)")
        self.stdout.write(f"  {services.ADMIN_USERNAME:<34} {admin_label}")
        for row in data["offices"]:
            for person in row["staff"]:
                self.stdout.write(
                    f"  {person['username']:<34} {person['name']}, {person['title']}, {row['name']}"
                )
        for bloc in data["blocs"]:
            term = bloc["terms"][-1]
            self.stdout.write(f"\n  {bloc['name']} ({term['year']}):")
            for code in term["members"]:
                usernames = " ".join(p["username"] for p in units[code]["staff"])
                self.stdout.write(f"    {usernames:<64} {units[code]['name']}")
