from django.conf import settings
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.defaults import page_not_found


class PreferredLanguageMiddleware:
    """Activate the language the user picked (language cookie), else ``LANGUAGE_CODE``.

    Django's ``LocaleMiddleware`` would follow the browser's ``Accept-Language``, and most
    officials' browsers announce English: the site must open in Vietnamese unless the user
    switched language through ``set_language``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class SiteNotFoundMiddleware:
    """With ``DEBUG`` on (``make run``'s demo), a missing page still looks like the site.

    Django would answer with its technical 404 page: English, listing the URL conf. Officials
    try the demo, so it answers as in production: the site's 404 page in their language.
    Outside ``DEBUG`` Django already does, and this middleware does nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as error:
                return page_not_found(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
