"""Loading the demo data (``data/demo.yaml``) through the project's own services.

Idempotent: what exists (matched by code, username, or role at an organisation) is left
exactly as it is, so a second load changes nothing, not even the audit log.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from flows.blocs import services as bloc_services
from flows.blocs.models import Bloc, BlocTerm
from flows.demo.awards import load_award_history
from flows.rules.models import RuleSet
from flows.rules.services.rule_sets import install_shipped_sets
from workflows import services as workflow_services
from workflows.models import Appointment, Organisation

DEMO_PASSWORD = "ThiDua@2026"
ADMIN_USERNAME = "admin"
DATA_FILE = Path(__file__).parent / "data" / "demo.yaml"


@dataclass
class LoadReport:
    created: dict[type, int] = field(default_factory=dict)  # model -> rows created

    def count(self, what: type) -> None:
        self.created[what] = self.created.get(what, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created)


def demo_data() -> dict:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def load_demo() -> LoadReport:
    data, report = demo_data(), LoadReport()
    # Every demo account shares one password: hash it once (PBKDF2 takes ~0.3 s a time).
    password_hash = make_password(DEMO_PASSWORD)
    kinds = {kind.code: kind for kind in workflow_services.ensure_standard_kinds()}
    # The shipped rule sets, should the database have been emptied since the migrations.
    for _created in range(install_shipped_sets()):
        report.count(RuleSet)
    appointments_from = datetime.date.fromisoformat(data["appointments_from"])
    _ensure_admin(report)
    organisations = {}
    for row in data["jurisdictions"] + data["offices"] + data["units"]:
        organisation = _ensure_organisation(row, kinds, organisations, report)
        organisations[organisation.code] = organisation
        for person in row.get("staff", []):
            _ensure_staff(person, organisation, appointments_from, password_hash, report)
    for row in data["blocs"]:
        _ensure_bloc(row, organisations, report)
    load_award_history(organisations, report)
    return report


def _ensure_admin(report: LoadReport) -> None:
    user_model = get_user_model()
    if not user_model.objects.filter(username=ADMIN_USERNAME).exists():
        user_model.objects.create_superuser(
            ADMIN_USERNAME,
            email="",
            password=DEMO_PASSWORD,
            first_name="Quản trị",
            last_name="hệ thống",
        )
        report.count(get_user_model())


def _ensure_organisation(row, kinds, organisations, report) -> Organisation:
    existing = Organisation.objects.filter(code=row["code"]).first()
    if existing is not None:
        return existing
    report.count(Organisation)
    return workflow_services.create_organisation(
        code=row["code"],
        name=row["name"],
        kind=kinds[row["kind"]],
        parent=organisations.get(row.get("parent")),
        abbreviation=row.get("abbreviation", ""),
        place_name=row.get("place_name", ""),
        historical=row.get("historical", False),
        by=None,
    )


def _ensure_staff(person, organisation, valid_from, password_hash, report) -> None:
    user_model = get_user_model()
    # Vietnamese names are family, middle, given; Django shows "first last", and sorting by
    # last_name then sorts by the given name, as Vietnamese lists do.
    *family, given = person["name"].split()
    user, created = user_model.objects.get_or_create(
        username=person["username"],
        defaults={
            "first_name": " ".join(family),
            "last_name": given,
            "password": password_hash,
            "email": f"{person['username']}@demo.thidua.local",
        },
    )
    if created:
        report.count(get_user_model())
    if not Appointment.objects.filter(
        user=user, organisation=organisation, role=person["role"]
    ).exists():
        workflow_services.appoint(
            user=user,
            organisation=organisation,
            role=person["role"],
            title=person["title"],
            valid_from=valid_from,
            by=None,
        )
        report.count(Appointment)


def _ensure_bloc(row, organisations, report) -> None:
    bloc = Bloc.objects.filter(code=row["code"]).first()
    if bloc is None:
        leader = get_user_model().objects.get(username=row["supervising_leader"])
        bloc = bloc_services.create_bloc(
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            jurisdiction=organisations[row["jurisdiction"]],
            supervising_leader=leader,
            historical=row.get("historical", False),
            description=row.get("description", ""),
            by=None,
        )
        report.count(Bloc)
    for term in row["terms"]:
        if BlocTerm.objects.filter(bloc=bloc, year=term["year"]).exists():
            continue
        bloc_services.open_term(
            bloc=bloc,
            year=term["year"],
            leader=organisations[term["leader"]],
            deputy=organisations.get(term.get("deputy")),
            members=[organisations[code] for code in term["members"]],
            by=None,
        )
        report.count(BlocTerm)
