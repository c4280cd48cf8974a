"""Hostile workbooks refused by the readers themselves; the helpers below also build the corpus of
bad inputs that tests/cli/test_survey_errors_cli.py runs through the CLI.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

SPEC = load_model("ecsi")
N = 60


def clean() -> pd.DataFrame:
    items = simulate_survey(SPEC, N, seed=3)
    front = pd.DataFrame({"id": np.arange(1, N + 1), "region": np.where(np.arange(N) % 2, "North", "South"),
                          "weight": np.round(np.linspace(0.5, 1.5, N), 3)})
    return pd.concat([front, items.astype(int)], axis=1)


def write_csv(tmp: Path, df: pd.DataFrame, name: str = "survey.csv") -> Path:
    p = tmp / name
    df.to_csv(p, index=False)
    return p


def _workbook(tmp: Path, name: str = "survey.xlsx") -> Path:
    p = tmp / name
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        clean().to_excel(xw, sheet_name="responses", index=False)
        pd.DataFrame({"about": ["x"]}).to_excel(xw, sheet_name="about", index=False)
    return p


def billion_laughs(tmp: Path) -> Path:
    good = _workbook(tmp, "good.xlsx")
    dtd = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [\n<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">\n' for i in range(1, 10)
    ) + "]>\n"
    p = tmp / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                text = data.decode()
                if text.startswith("<?xml"):
                    text = text.split("?>", 1)[1]
                assert "<t>North</t>" in text
                data = (dtd + text.replace("<t>North</t>", "<t>&lol9;</t>")).encode()
            dst.writestr(name, data)
    return p


def test_billion_laughs_is_refused_by_every_parser(tmp_path):
    """Defence in depth: even past the DTD scan, neither calamine nor openpyxl expands entities."""
    from csi.data.readers.excel import _calamine_rows, _openpyxl_rows

    p = billion_laughs(tmp_path)
    for reader in (_calamine_rows, _openpyxl_rows):
        try:
            _, _, rows = reader(p, "responses")
        except Exception as exc:  # noqa: BLE001 - refusing to parse is the good outcome ...
            # ... but only as a parser's refusal of the XML, not as a bug in the call
            assert not isinstance(exc, (TypeError, AttributeError, NameError, KeyError, MemoryError, RecursionError)), repr(exc)
            assert re.search(r"xml|entit", str(exc), re.IGNORECASE), (reader.__name__, repr(exc))
            continue
        assert all(len(str(v)) < 10_000 for r in rows for v in r), reader.__name__
