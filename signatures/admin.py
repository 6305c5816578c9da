"""Admin pages of the signatures app: read-only, since every change goes through the services
(and revisions never change at all); credentials can be withdrawn."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from signatures import services
from signatures.models import (
    Credential,
    Document,
    Revision,
    SignatureField,
    SigningRequest,
    ValidationJob,
)
from workflows.admin import ReadOnlyAdmin, ReadOnlyInline


class RevisionInline(ReadOnlyInline):
    model = Revision
    fields = ["number", "kind", "sha256", "size", "created_at", "created_by"]


class SignatureFieldInline(ReadOnlyInline):
    model = SignatureField
    fields = ["position", "name", "kind", "signer", "signed_by", "signing_prefix", "signed_at"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "document_type", "level", "created_at"]
    list_filter = ["document_type", "level"]
    search_fields = ["title"]
    inlines = [SignatureFieldInline, RevisionInline]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["document", "number", "kind", "size", "sha256", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["document"]


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = ["subject", "user", "provider", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["provider"]
    search_fields = ["subject", "user__username", "fingerprint"]
    list_select_related = ["user"]
    exclude = ["certificate", "keystore"]
    actions = ["withdraw"]

    def has_change_permission(self, request, obj=None):
        # Needed for the withdraw action; the change form itself shows read-only fields.
        return request.user.has_perm("signatures.change_credential")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]

    @admin.action(description=_("Withdraw the selected credentials"))
    def withdraw(self, request, queryset):
        for credential in queryset:
            services.withdraw_credential(credential=credential, by=request.user)


@admin.register(SigningRequest)
class SigningRequestAdmin(ReadOnlyAdmin):
    list_display = ["field", "person", "status", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["field__document", "person"]
    exclude = ["secret"]


@admin.register(ValidationJob)
class ValidationJobAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "requested_by", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
