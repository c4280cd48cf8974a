"""Penalty–reward contrast analysis: coefficients against numpy lstsq; planted Kano classes recovered.

Recorded generator (``planted``): attributes a, b, c uniform on 1..5; ``y = 3 − 1.0·[a ≤ 2] + 1.0·[b ≥ 4]
+ 0.4·(c − 3) + N(0, 0.7²)``, n = 400: ``a`` is basic (penalty 1, reward 0), ``b`` excitement (penalty 0,
reward 1), ``c`` performance (penalty = reward = 0.6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csi.derive.penalty_reward import analyse
from csi.errors import CsiError


def planted(seed: int, n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.integers(1, 6, (n, 3)), columns=["a", "b", "c"])
    y = 3 - 1.0 * (X["a"] <= 2) + 1.0 * (X["b"] >= 4) + 0.4 * (X["c"] - 3) + rng.normal(0, 0.7, n)
    return X, y.to_numpy()


def test_coefficients_equal_lstsq():
    X, y = planted(1)
    out = analyse(X, y, 1, 5, resamples=50)
    cols = [np.ones(len(y))]
    for c in X.columns:
        cols += [(X[c] <= 2).to_numpy(float), (X[c] >= 4).to_numpy(float)]
    b = np.linalg.lstsq(np.column_stack(cols), y, rcond=None)[0]
    assert np.abs(out["penalty"].to_numpy() + b[1::2]).max() < 1e-10
    assert np.abs(out["reward"].to_numpy() - b[2::2]).max() < 1e-10
    assert (out["penalty_lo"] < out["penalty"]).all() and (out["reward"] < out["reward_hi"]).all()


def test_planted_basic_and_excitement_recovered_in_90_of_100():
    right = 0
    for seed in range(100):
        X, y = planted(1000 + seed)
        cls = analyse(X, y, 1, 5, resamples=100, seed=seed)["class"]
        right += cls["a"] == "basic" and cls["b"] == "excitement"
    assert right >= 90, right


def test_empty_third_is_a_named_error():
    X, y = planted(2)
    X["a"] = 3
    with pytest.raises(CsiError, match="a \\(low\\)"):
        analyse(X, y, 1, 5)
