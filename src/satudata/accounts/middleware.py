"""The UI language: Indonesian unless the person chose English with the language switch.

Django's LocaleMiddleware would also follow the browser's Accept-Language header, so a phone set
to English would get an English portal nobody asked for; DESIGN §8 wants Indonesian by default.
Only the explicit choice (the language cookie set by /i18n/setlang/) counts here.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


def chosen_language(request) -> str:
    """The language from the language cookie when it names a supported one, else LANGUAGE_CODE."""
    wanted = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if wanted:
        try:
            return translation.get_supported_language_variant(wanted)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class LanguageChoiceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        # The page depends on the language cookie (the session and CSRF cookies already add
        # "Vary: Cookie" on most pages; this makes it explicit for the rest).
        patch_vary_headers(response, ("Cookie",))
        return response
