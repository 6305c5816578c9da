"""Forms every flow's steps share: attaching a file, and the size rule of uploads."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from workflows import services


def refuse_larger_than(upload, limit: int) -> None:
    """A form error naming both sizes when ``upload`` (possibly none) exceeds ``limit``."""
    if upload and upload.size > limit:
        raise forms.ValidationError(
            _("The file is too large: %(size)s, at most %(limit)s are accepted.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attach a document"), required=False)
    name = forms.CharField(
        label=_("Name of the document"),
        max_length=255,
        required=False,
        help_text=_("Empty: the file's name."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload:
            services.check_attachment_size(upload.size)
        return upload
