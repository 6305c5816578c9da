"""Forms every flow's steps share: attaching a file, and the size rule of uploads; signing in."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from workflows import services, throttle


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


class ThrottledSignInForm(AuthenticationForm):
    """Django's sign-in, with too many wrong passwords locking the account for a while
    (``workflows.throttle``): a password cannot be guessed through the site."""

    def clean(self):
        account = (self.cleaned_data.get("username") or "").strip().lower()
        self._refuse_if_locked(throttle.LOGIN.locked_until(account))
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if account:
                holder = get_user_model().objects.filter(username__iexact=account).first()
                self._refuse_if_locked(throttle.LOGIN.failed(account, actor=holder))
            raise
        throttle.LOGIN.succeeded(account)
        return cleaned

    @staticmethod
    def _refuse_if_locked(until) -> None:
        if until is not None:
            raise forms.ValidationError(
                _(
                    "The password of this account was entered wrongly too many times: it can"
                    " sign in again at %(time)s."
                )
                % {"time": throttle.until_text(until)},
                code="locked",
            )


class BallotPaperForm(forms.Form):
    """The paper of a ballot's open round: one group of boxes per question (``q-<id>``), at most
    the question's choices each. No box marked is a blank paper (against every candidate)."""

    def __init__(self, data=None, *, round_, prefix=None):
        super().__init__(data, prefix=prefix)
        by_question = {}
        on_paper = round_.candidates.select_related("question").order_by(
            "question__position", "position"
        )
        for candidate in on_paper:
            by_question.setdefault(candidate.question, []).append(candidate)
        self.questions = list(by_question)
        for question, candidates in by_question.items():
            self.fields[f"q-{question.pk}"] = forms.TypedMultipleChoiceField(
                label=question.label,
                choices=[(candidate.pk, candidate.label) for candidate in candidates],
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Mark at most %(count)s.") % {"count": question.max_choices},
            )

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            if len(cleaned.get(f"q-{question.pk}") or []) > question.max_choices:
                self.add_error(
                    f"q-{question.pk}",
                    _("Mark at most %(count)s.") % {"count": question.max_choices},
                )
        return cleaned

    def marks(self) -> list[int]:
        return [pk for question in self.questions for pk in self.cleaned_data[f"q-{question.pk}"]]


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=20,
        help_text=_("The code you were given when you voted, e.g. ABCD-EFGH-JKLM."),
    )
