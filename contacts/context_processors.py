"""Template context every page needs: the climate banner and the reader's roles."""

from django.conf import settings
from django.utils import timezone

from contacts.access import NETWORK_READERS, has_any_role
from contacts.models import Climate

MEANINGS = {
    "normal": "informal channels keep their usual cadence.",
    "elevated": "informal channels are due at {pct}% of their usual interval.",
    "high": "informal channels are due at {pct}% of their usual interval.",
    "crisis": "informal channels are due at {pct}% of their usual interval — keep them alive.",
}


def climate(request):
    """The climate in force and what it means for cadence, for the banner."""
    if not request.user.is_authenticated:
        return {}
    level = Climate.objects.level_at(timezone.now())
    factor = settings.CLIMATE_FACTORS[level]
    return {
        "climate": {
            "level": level,
            "label": Climate.Level(level).label,
            "factor": factor,
            "meaning": MEANINGS[level].format(pct=round(factor * 100)),
        },
        "can_read_network_health": has_any_role(request.user, NETWORK_READERS),
    }
