"""The language switcher (every page's header): the choice is kept in the language cookie
and, for a signed-in user, on their profile, so that their pages and e-mails follow it on
every device. Django's ``set_language`` would also keep a language Track II does not offer."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from contacts.languages import set_officer_language


@require_POST
def set_language(request):
    """Keep the language posted (one of settings.LANGUAGES; anything else changes nothing)
    and go back to ``next``, a page of this site."""
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    chosen = request.POST.get("language", "")
    if chosen in dict(settings.LANGUAGES):
        remember_language(response, chosen)
        if request.user.is_authenticated:
            set_officer_language(request.user, chosen)
    return response


def remember_language(response, language: str):
    """Set the language cookie (read by LocaleMiddleware: the sign-in page, any page of a
    user without a language of their own); an empty ``language`` removes it."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
