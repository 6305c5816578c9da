"""The covenant's attachments move to the engine's, content and all, when the site upgrades."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("pledges", "0001_initial"), ("workflows", "0005_attachments")]
AFTER = [("pledges", "0002_attachments_in_workflows")]
SIGNATURES_BEFORE = ("signatures", "0004_document_owner_and_number")


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Each test migrates the database back; later tests need every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _state(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_attachments_of_versions_become_workflow_attachments(settings, tmp_path, covenant_bloc):
    settings.MEDIA_ROOT = tmp_path
    bloc = covenant_bloc(2)
    apps = _state(BEFORE)
    covenants = apps.get_model("pledges", "Covenant")
    versions = apps.get_model("pledges", "CovenantVersion")
    old_attachments = apps.get_model("pledges", "Attachment")
    covenant = covenants.objects.create(term_id=bloc.term.pk, status="draft")
    version = versions.objects.create(covenant=covenant, number=1, title="Giao ước")
    saved = default_storage.save(
        "covenants/attachments/2026/quy-che.pdf", ContentFile(b"%PDF rules")
    )
    old_attachments.objects.create(
        version=version, name="Quy chế khối", file=saved, uploaded_by_id=bloc.officer.pk
    )

    apps = _state(AFTER)

    attachments = apps.get_model("workflows", "Attachment")
    [moved] = attachments.objects.all()
    assert (moved.owner_type.model, moved.owner_id) == ("covenantversion", version.pk)
    assert (moved.name, moved.file_name, moved.size) == ("Quy chế khối", "quy-che.pdf", 10)
    assert moved.uploaded_by_id == bloc.officer.pk
    with default_storage.open(f"attachments/{moved.sha256[:2]}/{moved.sha256}", "rb") as stored:
        assert stored.read() == b"%PDF rules"


def test_covenant_documents_join_the_pipeline_with_their_number(covenant_bloc):
    bloc = covenant_bloc(2)
    head, leader = bloc.heads[0], bloc.units[0]
    apps = _state([("pledges", "0002_attachments_in_workflows"), SIGNATURES_BEFORE])
    issued = apps.get_model("workflows", "IssuedNumber").objects.create(
        organisation_id=leader.pk,
        year=2026,
        number=3,
        symbol="GƯ-DV1",
        issued_on="2026-02-03",
        summary="Giao ước",
    )
    covenant = apps.get_model("pledges", "Covenant").objects.create(
        term_id=bloc.term.pk, status="in_force", issued_number=issued
    )
    document = apps.get_model("signatures", "Document").objects.create(
        title="Giao ước", document_type="covenant", level="B-LTA"
    )
    fields = apps.get_model("signatures", "SignatureField").objects
    for position, name in enumerate([f"unit-{bloc.units[1].pk}", "organisation"], start=1):
        fields.create(
            document=document, name=name, position=position, signer_id=head.pk, page=0, box=[]
        )
    versions = apps.get_model("pledges", "CovenantVersion").objects
    versions.create(covenant=covenant, number=1, title="Cũ")
    version = versions.create(covenant=covenant, number=2, title="Giao ước", document=document)

    apps = _state([("pledges", "0003_numbers_on_documents")])

    document = apps.get_model("signatures", "Document").objects.get(pk=document.pk)
    assert (document.owner_type.model, document.owner_id) == ("covenantversion", version.pk)
    assert document.issued_number_id == issued.pk
    organisations = dict(document.fields.values_list("name", "organisation"))
    assert organisations == {
        f"unit-{bloc.units[1].pk}": bloc.units[1].pk,
        "organisation": leader.pk,
    }
