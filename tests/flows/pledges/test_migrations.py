"""The covenant's attachments move to the engine's, content and all, when the site upgrades."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("pledges", "0001_initial"), ("workflows", "0005_attachments")]
AFTER = [("pledges", "0002_attachments_in_workflows")]


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
