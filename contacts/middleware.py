"""Show every date in the signed-in user's own time zone (their officer profile)."""

import zoneinfo

from django.utils import timezone


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
