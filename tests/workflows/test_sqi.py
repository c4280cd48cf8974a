"""SQI: per-day SQI equals the hand sum on a generated log; chart limits from their formulas; named errors.

Recorded generator (``event_log``): 30 days from 2026-03-02; each day a Poisson(λ_k) count of each
failure type of the default table (λ = 0.2 lost … 4 late within a day), each written as one row per
event (count 1) or one row with the count, and a day's volume (uniform 5,000–15,000) on its first row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csi.errors import DataError, SpecError
from csi.workflows.sqi import DEFAULT_WEIGHTS, check_events, compute, load_weights, run_sqi

RATES = dict(zip(DEFAULT_WEIGHTS, [0.2, 0.5, 1.0, 0.7, 2.0, 1.5, 1.0, 4.0], strict=True))


def event_log(seed: int = 5, days: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for d in pd.date_range("2026-03-02", periods=days, freq="D"):
        first = True
        for k, lam in RATES.items():
            c = int(rng.poisson(lam))
            if c == 0:
                continue
            split = rng.random() < 0.5
            for _ in range(c if split else 1):
                rows.append({"date": d.date().isoformat(), "type": k.upper() if split else k.replace(" ", "_"),
                             "count": 1 if split else c, "volume": rng.uniform(5000, 15000) if first else None,
                             "measure": rng.uniform(0, 60)})
                first = False
    return pd.DataFrame(rows)


def test_sqi_per_day_equals_hand_sum():
    raw = event_log()
    res = compute(check_events(raw, "log"), DEFAULT_WEIGHTS, "day")
    for day, r in res.table.iterrows():
        sub = raw[raw["date"] == day]
        hand = sum(DEFAULT_WEIGHTS[t.lower().replace("_", " ")] * c for t, c in zip(sub["type"], sub["count"], strict=True))
        assert r["sqi"] == pytest.approx(hand, abs=1e-9)
        vol = sub["volume"].sum()
        assert r["per_1000"] == pytest.approx(hand / (vol / 1000), rel=1e-12)
    assert len(res.table) == 30


def test_chart_limits_follow_their_formulas():
    raw = event_log(seed=8)
    ev = check_events(raw, "log")
    res = compute(ev, DEFAULT_WEIGHTS, "week", target=30)
    t = res.table
    types = list(DEFAULT_WEIGHTS)
    w = np.array([DEFAULT_WEIGHTS[k] for k in types])
    nbar = t[types].to_numpy().mean(axis=0)
    assert t["c_centre"].iloc[0] == pytest.approx(nbar @ w, rel=1e-12)
    assert t["c_ucl"].iloc[0] == pytest.approx(nbar @ w + 3 * np.sqrt(nbar @ w**2), rel=1e-12)
    K = t["volume"].to_numpy() / 1000
    uk = t[types].to_numpy().sum(axis=0) / K.sum()
    assert t["u_ucl"].to_numpy() == pytest.approx(uk @ w + 3 * np.sqrt((uk @ w**2) / K), rel=1e-12)
    a = res.attainment
    met = (raw["measure"] <= 30).sum()
    pbar = met / len(raw)
    assert a["p_centre"].iloc[0] == pytest.approx(pbar, rel=1e-12)
    assert a["p_ucl"].to_numpy() == pytest.approx(np.minimum(1, pbar + 3 * np.sqrt(pbar * (1 - pbar) / a["events"].to_numpy())), rel=1e-12)
    assert a["events"].sum() == len(raw)


def test_weights_yaml_named_errors(tmp_path):
    f = tmp_path / "w.yaml"
    f.write_text("weights:\n  lost: 50\n  damaged: -3\n")
    with pytest.raises(SpecError, match=r"w.yaml line 3: the weight of failure type 'damaged' is negative"):
        load_weights(f)
    f.write_text("lost: 50\ndamaged: 30\n")
    assert load_weights(f) == {"lost": 50.0, "damaged": 30.0}
    ev = tmp_path / "ev.csv"
    ev.write_text("date,type\n2026-01-01,lost\n2026-01-01,stolen\n")
    with pytest.raises(DataError, match=r"unknown failure type 'stolen' \(row 3\); the weights know damaged, lost"):
        run_sqi(ev, f)


def test_empty_log_is_named():
    with pytest.raises(DataError, match="ev.csv: the event log has no rows"):
        compute(check_events(pd.DataFrame({"date": [], "type": []}), "ev.csv"), DEFAULT_WEIGHTS, where="ev.csv")


def test_bad_rows_named():
    with pytest.raises(DataError, match="row 3: date 'soon' is not a date; row 2: count '-1' should be a number"):
        check_events(pd.DataFrame({"date": ["2026-01-01", "soon"], "type": ["lost", "lost"], "count": [-1, 1]}), "ev.csv")


def test_docs_hand_example():
    """docs/service-quality.md: 2 lost, 1 damaged, 5 late within a day, volume 4,000 → 135 and 33.75."""
    raw = pd.DataFrame({"date": ["2026-05-04"] * 3, "type": ["lost", "damaged", "late within a day"],
                        "count": [2, 1, 5], "volume": [4000, None, None]})
    t = compute(check_events(raw, "ev"), DEFAULT_WEIGHTS).table
    assert t["sqi"].iloc[0] == 135 and t["per_1000"].iloc[0] == pytest.approx(33.75, abs=1e-12)
