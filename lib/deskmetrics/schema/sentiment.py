"""Survey ratings to sentiment, per scale (metrics reference section 5.2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# (positive if rating >= hi, negative if rating <= lo, neutral otherwise)
SENTIMENT_CUTS: dict[str, tuple[float, float]] = {
    "smileback": (1, -1),  # 1 / 0 / -1
    "crewhu": (5, -5),  # 5 / 0 / -5
    "stars5": (4, 2),  # 4-5 satisfied, 3 neutral, 1-2 dissatisfied
    "nps": (9, 6),  # promoters 9-10, passives 7-8, detractors 0-6
    "ces7": (5, 3),  # easy 5-7, neutral 4, difficult 1-3 (7 = very easy)
}


def sentiment(scale: pd.Series, rating: pd.Series) -> pd.Series:
    """positive / neutral / negative for each response; None for an unknown scale."""
    hi = scale.map(lambda s: SENTIMENT_CUTS.get(s, (np.nan, np.nan))[0]).astype(float)
    lo = scale.map(lambda s: SENTIMENT_CUTS.get(s, (np.nan, np.nan))[1]).astype(float)
    rating = rating.astype(float)
    out = np.where(rating >= hi, "positive", np.where(rating <= lo, "negative", "neutral"))
    return pd.Series(out, index=rating.index, dtype=object).where(hi.notna(), None)
