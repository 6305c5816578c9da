"""The site's middleware, every one usable in Django's async mode.

Under ASGI Django runs its middleware chain asynchronously only if every middleware can; one
synchronous middleware makes it hop from a worker thread back to the event loop for the rest
(``async_to_sync``). When the browser drops a request during that hop, asgiref hands the
request's last step (``request_finished``) an executor that has already quit: a server error
in the log ("CurrentThreadExecutor already quit or is broken", seen under ``make run`` and in
the browser tests). So each middleware here, and the site's versions of viewflow's and
WhiteNoise's, is a ``MiddlewareMixin`` with ``async_capable``: their hooks run in threads,
the chain itself never leaves the loop (tests/config/test_settings.py keeps it so).
"""

from django.conf import settings
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.views.defaults import page_not_found
from viewflow import middleware as viewflow_middleware
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(MiddlewareMixin):
    """WhiteNoise's static files, served from ``process_request``."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self.whitenoise = WhiteNoiseMiddleware(get_response)

    def process_request(self, request):
        files = self.whitenoise
        if files.autorefresh:
            static_file = files.find_file(request.path_info)
        else:
            static_file = files.files.get(request.path_info)
        return None if static_file is None else files.serve(static_file, request)


class PreferredLanguageMiddleware(MiddlewareMixin):
    """Activate the language the user picked (language cookie), else ``LANGUAGE_CODE``.

    Django's ``LocaleMiddleware`` would follow the browser's ``Accept-Language``, and most
    officials' browsers announce English: the site must open in Vietnamese unless the user
    switched language through ``set_language``.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language

    def process_response(self, request, response):
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class SiteNotFoundMiddleware(MiddlewareMixin):
    """With ``DEBUG`` on (``make run``'s demo), a missing page still looks like the site.

    Django would answer with its technical 404 page: English, listing the URL conf. Officials
    try the demo, so it answers as in production: the site's 404 page in their language.
    Outside ``DEBUG`` Django already does, and this middleware does nothing.
    """

    def process_request(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as error:
                return page_not_found(request, error)
        return None

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


class SiteMiddleware(MiddlewareMixin):
    """viewflow's: the site and app of the page on ``request.resolver_match``, their view
    permission, the app's context in template responses."""

    process_view = viewflow_middleware.SiteMiddleware.process_view
    process_template_response = viewflow_middleware.SiteMiddleware.process_template_response


class TurboFormStatusMiddleware(MiddlewareMixin):
    """viewflow's HotwireTurboMiddleware: Turbo renders a form POST's page only when it is
    answered 422 (invalid) or 303 (redirect), not 200 or 301."""

    def process_response(self, request, response):
        if request.method == "POST" and request.headers.get("X-Request-Framework") == "Turbo":
            if response.status_code == 200:
                response.status_code = 422
            elif response.status_code == 301:
                response.status_code = 303
        return response
