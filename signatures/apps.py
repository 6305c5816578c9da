from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignaturesConfig(AppConfig):
    """PDF documents and their digital signatures (PAdES, each official with his own key)."""

    name = "signatures"
    verbose_name = _("Digital signatures")

    def ready(self):
        from signatures import checks, pipeline, tokenizer  # noqa: F401 (pipeline: receivers)

        tokenizer.install()
