"""Stored certificate names lose asn1crypto's English labels ("Common Name: …"): their values,
most specific first, as signatures.trust.name_text writes them."""

from asn1crypto import x509
from django.db import migrations


def _values(name) -> str:
    # signatures.trust.name_text as of this migration (a migration keeps its own copy).
    return ", ".join(reversed([str(a["value"].native) for rdn in name.chosen for a in rdn]))


def rewrite_names(apps, schema_editor):
    credentials = apps.get_model("signatures", "Credential")
    for credential in credentials.objects.only("pk", "certificate").iterator():
        certificate = x509.Certificate.load(bytes(credential.certificate))
        credentials.objects.filter(pk=credential.pk).update(
            subject=_values(certificate.subject), issuer=_values(certificate.issuer)
        )


class Migration(migrations.Migration):
    dependencies = [("signatures", "0004_document_owner_and_number")]

    operations = [migrations.RunPython(rewrite_names, migrations.RunPython.noop)]
