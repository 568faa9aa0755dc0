"""Template context every page needs: the climate banner, the reader's roles and whether
they are staff at all (the menu)."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.access import NETWORK_READERS, has_any_role, is_staff_member
from contacts.models import Climate

MEANINGS = {
    "normal": _("informal channels keep their usual cadence."),
    "elevated": _("informal channels are due at %(percent)s of their usual interval."),
    "high": _("informal channels are due at %(percent)s of their usual interval."),
    "crisis": _(
        "informal channels are due at %(percent)s of their usual interval — keep them alive."
    ),
}


def climate(request):
    """The climate in force and what it means for cadence, for the banner. Nothing for a
    request without a signed-in user, or that never reached authentication (an error page
    for a request refused before it: no ``request.user``), or whose user is no staff member
    (an account without a role: trackii.role_policy)."""
    user = getattr(request, "user", None)
    if user is None or not is_staff_member(user):
        return {}
    level = Climate.objects.level_at(timezone.now())
    factor = settings.CLIMATE_FACTORS[level]
    return {
        "climate": {
            "level": level,
            "label": Climate.Level(level).label,
            "factor": factor,
            "meaning": MEANINGS[level] % {"percent": f"{round(factor * 100)}%"},
        },
        "can_read_network_health": has_any_role(user, NETWORK_READERS),
        # The menu's pages are for staff only (trackii.role_policy holds the others).
        "staff_member": True,
    }
