"""Small capture tables that several test modules share."""

from __future__ import annotations

import numpy as np

from uncounted.mse.table import CaptureTable


def three_strata_table() -> CaptureTable:
    """900 simulated people, three independent lists (capture 0.40, 0.30, 0.35), three strata
    ``s`` = x, y, z drawn at random: a table whose strata fit in a second each (seed 5)."""
    import pandas as pd

    rng = np.random.default_rng(5)
    n = 900
    caught = rng.random((n, 3)) < [0.4, 0.3, 0.35]
    seen = caught.any(axis=1)
    frame = pd.DataFrame({"s": rng.choice(["x", "y", "z"], size=n)[seen],
                          "A": caught[seen, 0].astype(int), "B": caught[seen, 1].astype(int),
                          "C": caught[seen, 2].astype(int)})
    return CaptureTable.from_frame(frame, strata="s")
