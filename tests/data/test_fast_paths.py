"""The fast paths of the data layer give exactly what the general ones give.

* the pyarrow text reader (:func:`csi.data.readers.text._read_text_fast`, with or without quotes
  in the file) against pandas' C parser, through ``read_survey``;
* the one-pass block checks (:func:`csi.data.checks.check_blocks`: identical and linearly
  dependent items from the centred cross-products) against a direct pairwise comparison and a
  per-block eigenvalue test;
* a data frame validated in place (any index, object columns, repeated names) against a copy
  with a fresh 0-based index.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from csi.data import survey as survey_mod
from csi.data.checks import centred_products, check_blocks
from csi.data.readers import text
from csi.data.survey import from_frame, read_survey, validate_survey
from csi.errors import DataError
from csi.model.spec import load_model

SPEC = load_model("ecsi")
ITEMS = list(SPEC.items)


def _survey(n: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.integers(1, 11, (n, 1))
    return pd.DataFrame(np.clip(base + rng.integers(-2, 3, (n, len(ITEMS))), 1, 10), columns=ITEMS)


def _same(a: object, b: object) -> None:
    """Every field of two SurveyData equal (frames exactly, arrays bit for bit).

    The fast text reader has never recorded ``settings["header_row"]`` (always 1 there); that
    difference is left as it was.
    """
    for f in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "settings":
            x, y = ({k: v for k, v in d.items() if k != "header_row"} for d in (x, y))
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y, f.name


def _both(path, monkeypatch, **kw):
    """``read_survey`` by the fast reader and by pandas (the fast one switched off); each a survey or a message."""
    def run():
        try:
            return read_survey(path, SPEC, **kw)
        except DataError as exc:
            return str(exc)

    fast = run()
    monkeypatch.setattr(text, "_read_text_fast", lambda *a, **k: None)
    slow = run()
    monkeypatch.undo()
    return fast, slow


@pytest.mark.parametrize("variant", ["plain", "crlf", "blanks", "quoted_text", "quoted_newline", "semicolon",
                                     "weights_groups", "hex", "codes"])
def test_fast_text_reader_as_pandas(tmp_path, monkeypatch, variant):
    df = _survey()
    kw: dict = {}
    sep, newline = ",", "\n"
    if variant == "crlf":
        newline = "\r\n"
    elif variant == "blanks":
        df = df.astype(object)
        df.iloc[::7, 3] = ""
        df.iloc[5, :] = ""
    elif variant == "quoted_text":
        df.insert(0, "comment", [f'he said "ok", {i}' for i in range(len(df))])
    elif variant == "quoted_newline":
        df.insert(0, "comment", [f"line one\nline {i}" for i in range(len(df))])
    elif variant == "semicolon":
        sep = ";"
    elif variant == "weights_groups":
        df["w"] = np.arange(len(df)) % 3 + 1
        df["region"] = np.where(np.arange(len(df)) % 2, "north", "south")
        kw = {"weights": "w", "groups": ("region",)}
    elif variant == "hex":
        df = df.astype(object)
        df.iloc[3, 2] = "0x1F"
    elif variant == "codes":
        df.iloc[::9, 4] = 99
        kw = {"missing_codes": (99,)}
    p = tmp_path / "survey.csv"
    df.to_csv(p, index=False, sep=sep, lineterminator=newline)
    fast, slow = _both(p, monkeypatch, **kw)
    if isinstance(slow, str):
        assert fast == slow
    else:
        _same(fast, slow)


def test_fast_reader_used_on_plain_and_quoted_files(tmp_path):
    df = _survey()
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    df.to_csv(plain, index=False)
    df.assign(note='a "b"').to_csv(quoted, index=False)
    for p, has_quotes in ((plain, False), (quoted, True)):
        info = text.sniff_text(p)
        assert text._plain_ascii(p, info) is has_quotes
        assert text._read_text_fast(p, info, list(range(len(ITEMS))), set(range(len(ITEMS)))) is not None


def _blocks_direct(X: np.ndarray, problems: list[str]) -> None:
    """The block checks as first written: pairwise column comparison, then each centred block's eigenvalues."""
    n = X.shape[0]
    for c in SPEC.constructs:
        ks = [ITEMS.index(i) for i in c.items]
        for a in range(len(ks)):
            for b in range(a + 1, len(ks)):
                if np.array_equal(X[:, ks[a]], X[:, ks[b]]):
                    problems.append(f"identical {c.items[a]} {c.items[b]}")
                    return
        if len(ks) > 1 and not np.isnan(X[:, ks]).any():
            block = X[:, ks] - X[:, ks].mean(axis=0)
            sd = np.sqrt((block**2).sum(axis=0))
            if (sd > 0).all():
                ev = np.linalg.eigvalsh((block / sd).T @ (block / sd))
                if ev[0] < 1e-10 * max(ev[-1], 1.0):
                    problems.append(f"dependent {c.code} {n}")


def _short(problems: list[str]) -> list[str]:
    out = []
    for p in problems:
        if "hold the same answer" in p:
            a, b = p.split()[1], p.split()[3]
            out.append(f"identical {a} {b}")
        elif "linearly dependent" in p:
            out.append(f"dependent {p.split()[1].rstrip(':')} {p.split(' among the ')[1].split()[0]}")
        else:
            out.append(p)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_check_blocks_as_direct_checks(seed):
    rng = np.random.default_rng(seed)
    p = len(ITEMS)
    for _ in range(60):
        n = int(rng.choice([30, 200, 40_000]))
        X = rng.integers(1, 11, (n, p)).astype(float)
        if rng.random() < 0.3:
            X += rng.normal(0, 1, X.shape) * 50  # far from 0: the centring must keep precision
        for _ in range(int(rng.integers(0, 3))):
            a, b, c = rng.choice(p, 3, replace=False)
            kind = int(rng.integers(0, 5))
            if kind == 0:
                X[:, a] = X[:, b]
            elif kind == 1:
                X[:, a] = 2 * X[:, b] + 1
            elif kind == 2:
                X[:, a] = X[:, b] + X[:, c]
            elif kind == 3:
                X[:, a] = X[:, b] + rng.normal(0, 1e-3, n)
            else:
                X[int(rng.integers(0, n)), a] = np.nan
        X = np.asfortranarray(X) if rng.random() < 0.5 else X
        mine: list[str] = []
        direct: list[str] = []
        check_blocks(SPEC, X, mine, np.nanmean(X, axis=0) if rng.random() < 0.5 else None)
        _blocks_direct(X, direct)
        assert _short(mine) == direct


def test_centred_products_exact_for_any_shift():
    rng = np.random.default_rng(3)
    X = rng.normal(1e6, 1.0, (70_000, 5))  # far from 0, small spread: a plain X'X would lose every digit
    Xc = X - X.mean(axis=0)
    want = Xc.T @ Xc
    for shift in (X.mean(axis=0), X.mean(axis=0) + 3.0, None):
        C, means = centred_products(X, shift)
        np.testing.assert_allclose(C, want, rtol=1e-9)
        np.testing.assert_allclose(means, X.mean(axis=0), rtol=1e-13)


def test_frame_validated_in_place_as_a_fresh_copy():
    df = _survey().astype(object)
    df.iloc[::9, 2] = "n/a"
    df.iloc[::13, 4] = " 7 "
    df["region"] = np.where(np.arange(len(df)) % 2, "north", "south")
    odd = df.copy()
    odd.index = [7] * len(odd)  # a repeated index: the checks must not align on it
    odd.columns = [*ITEMS, 5]  # a non-text column name
    for kw in ({}, {"missing": "mean"}):
        a = from_frame(odd.rename(columns={5: "region"}), SPEC, groups=("region",), **kw)
        b = from_frame(df.reset_index(drop=True), SPEC, groups=("region",), **kw)
        _same(a, b)
    assert list(odd.index) == [7] * len(odd) and odd.iloc[0, 2] == "n/a"  # the caller's frame is untouched


def test_from_frame_report_skips_only_the_table():
    df = _survey()
    df.iloc[3, 0] = 42
    report = validate_survey(df, SPEC)
    with pytest.raises(DataError) as exc:
        from_frame(df, SPEC)
    assert str(exc.value) == report.message()
    raw = survey_mod.frame_table(df, "<data frame>", None)
    _, quick = survey_mod._prepare(raw, SPEC, survey_mod.SurveyOptions(), table=False)
    assert quick.problems == report.problems and len(report.items) == len(ITEMS)
