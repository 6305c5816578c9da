"""run_covenant_demo: the Bạch Long Vĩ bloc's covenant, signed by its six heads and the clerk."""

import subprocess

import pytest
from django.core.management import CommandError, call_command

from flows.pledges.models import Covenant, CovenantStatus

BLV = "khoi-dvsn-bach-long-vi"


@pytest.mark.django_db(transaction=True)
def test_the_bach_long_vi_covenant_carries_seven_valid_signatures(demo_pki, tmp_path):
    out = tmp_path / "giao-uoc.pdf"
    call_command("run_covenant_demo", bloc=BLV, year=2024, out=out, verbosity=0)

    covenant = Covenant.objects.get(term__bloc__code=BLV)
    assert covenant.status == CovenantStatus.IN_FORCE
    verdict = subprocess.run(
        [".venv/bin/python", "manage.py", "verify_pdf", str(out), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"SIGNING_TRUST_ROOTS": str(demo_pki / "root.cert.pem"), "PATH": "/usr/bin:/bin"},
    )
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    assert verdict.stdout.count('"field_name"') >= 7

    # A second run finds the covenant in force and changes nothing.
    call_command("run_covenant_demo", bloc=BLV, year=2024, verbosity=0)
    assert Covenant.objects.get(term__bloc__code=BLV).versions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_half_way_and_unknown_terms(demo_pki):
    call_command("run_covenant_demo", bloc=BLV, year=2024, signatures=3, verbosity=0)
    covenant = Covenant.objects.get(term__bloc__code=BLV)
    assert covenant.status == CovenantStatus.SIGNING
    document = covenant.versions.get().document
    assert document.fields.filter(signed_by__isnull=False).count() == 3
    with pytest.raises(CommandError):
        call_command("run_covenant_demo", bloc=BLV, year=1999, verbosity=0)
