"""A bloc whose member heads and records clerk hold certificates of the development PKI."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from flows.blocs import services as bloc_services
from flows.blocs.models import BlocKind, BlocTerm
from signatures.models import Credential
from tests.fixtures.pki import TWENTY_OFFICIALS
from tests.signatures.helpers import official_user, pkcs12_credential
from workflows.models import Role


@dataclass
class CovenantBloc:
    term: BlocTerm
    units: list
    heads: list
    credentials: dict
    officer: object
    clerk: object

    @property
    def leader(self):
        return self.units[0]

    def credential(self, user):
        return self.credentials[user.pk]


@pytest.fixture
def covenant_bloc(dev_pki, jurisdiction, make_unit, make_user, appoint):
    """``covenant_bloc(size)``: a bloc term of this year with ``size`` members (size ≤ 19)."""

    def make(size=6, signing_order="parallel"):
        since = datetime.date(2024, 1, 1)
        units = []
        for number in range(size):
            unit = make_unit(name=f"Đơn vị thành viên số {number + 1}")
            unit.abbreviation = f"DV{number + 1}"
            unit.save()
            units.append(unit)
        heads = [official_user(identity) for identity in TWENTY_OFFICIALS[:size]]
        for head in heads:
            head.email = f"{head.username}@example.gov.vn"
            head.save(update_fields=["email"])
        for unit, head, identity in zip(units, heads, TWENTY_OFFICIALS, strict=False):
            appoint(head, unit, Role.HEAD, valid_from=since, title=identity.title)
        clerk = official_user(TWENTY_OFFICIALS[19])
        appoint(clerk, units[0], Role.RECORDS_CLERK, valid_from=since, title="Văn thư")
        officer = make_user(
            username=f"officer-{units[0].pk}",
            first_name="Cán bộ",
            last_name="Thi đua",
            email=f"officer-{units[0].pk}@example.gov.vn",
        )
        appoint(officer, units[0], Role.EMULATION_OFFICER, valid_from=since)
        bloc = bloc_services.create_bloc(
            code=f"khoi-{units[0].pk}",
            name="Khối thi đua kiểm thử",
            kind=BlocKind.KHOI,
            jurisdiction=jurisdiction,
            signing_order=signing_order,
            by=None,
        )
        term = bloc_services.open_term(
            bloc=bloc,
            year=timezone.localdate().year,
            leader=units[0],
            deputy=units[1],
            members=units,
            by=None,
        )
        credentials = {
            user.pk: Credential.objects.filter(user=user).first()
            or pkcs12_credential(dev_pki, user)
            for user in [*heads, clerk]
        }
        return CovenantBloc(term, units, heads, credentials, officer, clerk)

    return make
