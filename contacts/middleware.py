"""Show every date in the signed-in user's own time zone, and every page in their own
language (their officer profile)."""

import zoneinfo

from django.utils import timezone, translation

from contacts.languages import supported


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = self._zone_of(request.user)
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    @staticmethod
    def _zone_of(user):
        if not user.is_authenticated:
            return None
        profile = getattr(user, "profile", None)
        if profile is None:
            return None
        return zoneinfo.ZoneInfo(str(profile.timezone))


class UserLanguageMiddleware:
    """Pages in the signed-in user's own language (their profile), when they chose one;
    else LocaleMiddleware's choice (the switcher's cookie, the browser's languages) stands."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = self._language_of(request.user)
        if chosen and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)

    @staticmethod
    def _language_of(user):
        if not user.is_authenticated:
            return None
        profile = getattr(user, "profile", None)
        return supported(profile.language) if profile is not None else None
