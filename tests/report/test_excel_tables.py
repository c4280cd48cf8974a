"""The workbook's tables built column by column (csi.report.excel._table, _matrix, _in_order) equal pandas' own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csi.report import excel


def _pandas_table(rows, texts=None):
    """The pandas construction the column builder replaces: DataFrame, intervals split at the end, empty columns dropped."""
    df = pd.DataFrame(rows)
    for col in [c for c in df.columns if c == "ci" or c.endswith("_ci")]:
        if df[col].notna().any():
            df[f"{col}_lo"] = [None if v is None else v[0] for v in df[col]]
            df[f"{col}_hi"] = [None if v is None else v[1] for v in df[col]]
        df = df.drop(columns=[col])
    df = df.dropna(axis=1, how="all")
    if texts and "name" in df.columns:
        df.insert(list(df.columns).index("name") + 1, "question", [texts.get(str(n)) for n in df["name"]])
    return df


ROWS = [
    [{"from": "A", "to": "B", "estimate": 0.5, "std_estimate": None, "ci": [0.1, 0.9], "f2": 0.2, "vif": None, "n": 3}],
    [{"name": "x1", "construct": "A", "weight": 0.4, "weight_ci": None, "loading_ci": [0.2, None], "flag": True},
     {"name": "x2", "construct": "A", "weight": None, "weight_ci": None, "loading_ci": None, "flag": None}],
    [{"name": "c", "index": 70, "ci": None, "r2": None, "label": "=1+1"}, {"name": "d", "index": 71.5, "ci": None, "r2": 0.3}],
    [{"a": 1, "b": "s", "c_ci": [1, 2]}, {"a": None, "b": None, "c_ci": [3, 4]}],
]


@pytest.mark.parametrize("rows", ROWS)
def test_tables_equal_pandas_construction(rows):
    texts = {"x1": "How satisfied are you?"}
    pd.testing.assert_frame_equal(excel._table(rows, texts=texts), _pandas_table(rows, texts), check_exact=True)


def test_matrix_and_model_order_equal_pandas():
    m = {"C": {"A": 0.5, "B": None}, "A": {"B": 0.25, "Z": 1.0}, "Q": {}}
    ref = pd.DataFrame.from_dict(m, orient="index")
    order = ["A", "B", "C"]
    rows = [c for c in order if c in ref.index] + [c for c in ref.index if c not in order]
    cols = [c for c in order if c in ref.columns] + [c for c in ref.columns if c not in order]
    pd.testing.assert_frame_equal(excel._matrix(m, order, "construct"),
                                  ref.reindex(index=rows, columns=cols).astype(float).rename_axis("construct"), check_exact=True)
    cols_in, rows_in = ["construct", "name", "v"], [["B", "y", 1], ["A", "x", 2], ["B", "x", 3], ["A", "y", 4]]
    frame = pd.DataFrame(rows_in, columns=cols_in)
    keys = [frame["construct"].map({"A": 0, "B": 1}).to_numpy(), frame["name"].map({"x": 0, "y": 1}).to_numpy()]
    expect = frame.iloc[np.lexsort(keys[::-1])].to_numpy().tolist()
    assert excel._in_order(cols_in, rows_in, (["A", "B"], ["x", "y"])) == expect


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"v": [1.5, None], "s": ["a", None]}, index=pd.Index(["A", "B"], name="construct")),
    pd.DataFrame({"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("A", "x"), ("B", "y")], names=["construct", None])),
    pd.DataFrame({"v": [1, 2], "w": [True, False]}),
    pd.DataFrame(index=pd.Index(["A"], name="construct")),
    pd.DataFrame({"construct": ["z"]}, index=pd.Index(["A"], name="item")),
])
def test_frame_rows_are_the_cells_of_reset_index(frame):
    flat = frame.reset_index() if any(n is not None for n in frame.index.names) else frame
    expect = ([str(c) for c in flat.columns], [list(r) for r in flat.itertuples(index=False)] if len(flat.columns) else [])
    cols, rows = excel._frame_rows(frame)
    assert cols == expect[0]
    assert [[excel._cell_value(v) for v in r] for r in rows] == [[excel._cell_value(v) for v in r] for r in expect[1]]
