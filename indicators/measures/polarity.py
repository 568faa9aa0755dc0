"""Whether a change of an indicator is good news: each indicator declares its polarity when
it registers (``@indicator(..., polarity=...)``), and every surface (the dashboard's colours,
arrows and words, the monthly report, the files, the API) reads its verdict from
``assess``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

HIGHER_IS_BETTER = "higher_is_better"
LOWER_IS_BETTER = "lower_is_better"
NEUTRAL = "neutral"  # a mix or a context figure: its change is neither good nor bad
POLARITIES = (HIGHER_IS_BETTER, LOWER_IS_BETTER, NEUTRAL)
POLARITY_LABELS = {
    HIGHER_IS_BETTER: _("higher is better"),
    LOWER_IS_BETTER: _("lower is better"),
    NEUTRAL: _("neither higher nor lower is better"),
}

BETTER, WORSE, SAME = "better", "worse", "same"


def assess(polarity: str, change) -> str | None:
    """``better``, ``worse`` or ``same`` for a change of an indicator of this polarity;
    None when there is no change to judge (no figure, or a neutral indicator)."""
    if change is None or polarity == NEUTRAL:
        return None
    if change == 0:
        return SAME
    rises = change > 0
    return BETTER if rises == (polarity == HIGHER_IS_BETTER) else WORSE
