"""Admin pages of the signatures app: read-only, since every change goes through the services
(and revisions never change at all); credentials can be added, through the services, and
withdrawn."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from signatures.forms import CredentialAdminForm
from signatures.models import (
    Credential,
    Document,
    Provider,
    Revision,
    SignatureField,
    SigningRequest,
    ValidationJob,
)
from signatures.providers import SignerUnavailable
from signatures.services import credentials
from signatures.trust import CertificateRefused
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
    """Credentials are added through the services (checked, audited) and withdrawn; a
    credential itself never changes."""

    list_display = ["subject", "user", "provider", "status", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["provider", "status"]
    search_fields = ["subject", "user__username", "fingerprint"]
    list_select_related = ["user"]
    exclude = ["certificate", "keystore", "config"]
    actions = ["withdraw"]
    add_fieldsets = [
        (None, {"fields": ["user", "provider", "label"]}),
        (Provider.PKCS11.label, {"fields": ["token_label", "key_id", "module"]}),
        (Provider.CSC.label, {"fields": ["service_url", "credential_id", "oauth_token"]}),
        (
            _("Certificate"),
            {
                "fields": ["certificate", "chain"],
                "description": _(
                    "For a token and an external signer. A remote signing service gives the "
                    "certificate and its chain itself."
                ),
            },
        ),
    ]

    def has_add_permission(self, request):
        return request.user.has_perm("signatures.add_credential")

    def has_change_permission(self, request, obj=None):
        # Needed for the withdraw action; the change form itself shows read-only fields.
        return request.user.has_perm("signatures.change_credential")

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in self.model._meta.fields if f.name not in self.exclude]
        return [*fields, "provider_settings"]

    @admin.display(description=_("provider settings"))
    def provider_settings(self, credential):
        # The access token of a remote signing service is a secret: never shown.
        return ", ".join(
            f"{name}: {'••••••' if name == 'oauth_token' else value}"
            for name, value in credential.config.items()
        )

    def add_view(self, request, form_url="", extra_context=None):
        """Registration through the services: the form's errors are the service's refusals."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        posted = (request.POST, request.FILES) if request.method == "POST" else ()
        form = CredentialAdminForm(*posted)
        _search_officials(form.fields["user"], self.admin_site)
        if posted and form.is_valid():
            try:
                with transaction.atomic():
                    credential = _register(form, by=request.user)
                    self.log_addition(request, credential, [{"added": {}}])
            except (CertificateRefused, SignerUnavailable) as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, BEING_CHECKED, messages.INFO)
                return self.response_add(request, credential)
        admin_form = helpers.AdminForm(form, self.add_fieldsets, {}, model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add %s") % self.opts.verbose_name,
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    @admin.action(description=_("Withdraw the selected credentials"))
    def withdraw(self, request, queryset):
        for credential in queryset:
            credentials.withdraw_credential(credential=credential, by=request.user)


def _search_officials(field, admin_site) -> None:
    # The admin's search box for users, as in the other admin pages that pick an official.
    field.widget = AutocompleteSelect(Credential._meta.get_field("user"), admin_site)
    field.widget.choices, field.widget.is_required = field.choices, field.required


BEING_CHECKED = _(
    "Its revocation status is being checked: the credential signs once its status is “Usable”, "
    "or shows why it was refused."
)


def _register(form: CredentialAdminForm, *, by) -> Credential:
    data = form.cleaned_data
    if data["provider"] == Provider.CSC:
        return credentials.register_csc_credential(
            user=data["user"], config=form.config(), label=data["label"], by=by
        )
    return credentials.register_credential(
        user=data["user"],
        provider=data["provider"],
        certificate=form.certificate_content(),
        chain=form.chain_content(),
        config=form.config(),
        label=data["label"],
        by=by,
    )


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
