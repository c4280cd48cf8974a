"""Message catalog for chart and report wording: English, Chinese (simplified) and German.

``tr("key", **fields)`` formats the current language's text (``str.format``); the language is
set for a block with ``with language("zh"): ...`` (a context variable, so threads and nested
reports keep their own).  A key missing in a language falls back to English; a key missing in
English is a bug (KeyError).  Model texts (construct labels, question texts) come from the
model YAML, not from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from csi.errors import CsiError

LANGUAGES = {"en": "English", "zh": "简体中文 (Chinese, simplified)", "de": "Deutsch (German)"}
_LANG: ContextVar[str] = ContextVar("csi_report_lang", default="en")

# key: (English, Chinese, German)
_T: dict[str, tuple[str, str, str]] = {
    # footnote
    "foot.model": ("Model: {name}", "模型：{name}", "Modell: {name}"),
    "foot.pls": ("PLS, {scheme} scheme", "PLS，{scheme} 权重方案", "PLS, Schema {scheme}"),
    "foot.cbsem": ("CB-SEM (maximum likelihood) estimates", "CB-SEM（最大似然）估计", "CB-SEM-Schätzungen (Maximum Likelihood)"),
    "foot.cbsem_pls": ("CB-SEM fit; numbers on this chart are PLS ({scheme} scheme)", "CB-SEM 拟合；本图数值来自 PLS（{scheme} 权重方案）",
                       "CB-SEM-Schätzung; die Zahlen dieser Grafik stammen aus PLS (Schema {scheme})"),
    "foot.n": ("n = {n}", "n = {n}", "n = {n}"),
    "foot.n_of": ("n = {n} of {read} ({missing})", "n = {n}（共 {read}，{missing}）", "n = {n} von {read} ({missing})"),
    "foot.weighted": ("weighted (effective n {n})", "加权（有效 n {n}）", "gewichtet (effektives n {n})"),
    "foot.boot": ("bootstrap {n} resamples, {ci}{level} intervals, seed {seed}", "自助法 {n} 次重抽样，{ci}{level} 区间，种子 {seed}",
                  "Bootstrap mit {n} Stichproben, {ci}{level}-Intervalle, Seed {seed}"),
    "foot.noboot": ("no bootstrap", "未做自助法", "ohne Bootstrap"),
    "foot.data": ("data: {file}", "数据：{file}", "Daten: {file}"),
    # path diagram
    "path.title": ("{a} drives {b} most (path {v})", "{a} 对 {b} 影响最大（路径 {v}）", "{a} beeinflusst {b} am stärksten (Pfad {v})"),
    "path.title_tie": ("No single driver of {b} stands out: {v} (intervals overlap)", "{b} 没有明显的单一驱动因素：{v}（区间重叠）",
                       "Kein einzelner Treiber von {b} ragt heraus: {v} (Intervalle überlappen)"),
    "path.title_model": ("Structural model of {m}", "{m} 结构模型", "Strukturmodell: {m}"),
    "path.subtitle": ("Path coefficients on the arrows (standardized), index (0–100) and R² in the boxes",
                      "箭头上为标准化路径系数，方框内为指数（0–100）和 R²", "Pfadkoeffizienten an den Pfeilen (standardisiert), Index (0–100) und R² in den Kästen"),
    "path.subtitle_cbsem": ("CB-SEM standardized path coefficients on the arrows; CB-SEM R² and PLS index (0–100) in the boxes",
                            "箭头上为 CB-SEM 标准化路径系数；方框内为 CB-SEM R² 和 PLS 指数（0–100）",
                            "Standardisierte CB-SEM-Pfadkoeffizienten an den Pfeilen; CB-SEM-R² und PLS-Index (0–100) in den Kästen"),
    "path.stars": ("Stars: * p < 0.05, ** p < 0.01, *** p < 0.001 ({test}); dashed arrows are not significant at 5%.",
                   "星号：* p < 0.05，** p < 0.01，*** p < 0.001（{test}）；虚线箭头在 5% 水平不显著。",
                   "Sterne: * p < 0,05, ** p < 0,01, *** p < 0,001 ({test}); gestrichelte Pfeile sind auf 5 % nicht signifikant."),
    "path.test_boot": ("bootstrap", "自助法", "Bootstrap"),
    "path.test_z": ("z test of the CB-SEM estimate", "CB-SEM 估计的 z 检验", "z-Test der CB-SEM-Schätzung"),
    "path.noboot": ("No bootstrap: significance not assessed (rerun csi fit with --boot to mark significant paths).",
                    "未做自助法：未评估显著性（使用 --boot 重新运行 csi fit 以标记显著路径）。",
                    "Ohne Bootstrap: Signifikanz nicht geprüft (csi fit mit --boot erneut ausführen)."),
    "path.index": ("Index {v}", "指数 {v}", "Index {v}"),
    "path.exo": ("Exogenous (driver)", "外生（驱动因素）", "Exogen (Treiber)"),
    "path.endo": ("Endogenous (outcome, with R²)", "内生（结果，含 R²）", "Endogen (Ergebnis, mit R²)"),
    "path.neg": ("Negative path", "负向路径", "Negativer Pfad"),
    "path.inadmissible": ("Inadmissible CB-SEM solution: {n} check(s) failed (see the fit chart)", "CB-SEM 解不可接受：{n} 项检查未通过（见拟合图）",
                          "Unzulässige CB-SEM-Lösung: {n} Prüfung(en) nicht bestanden (siehe Fit-Grafik)"),
    # CB-SEM fit chart
    "cbfit.title_ok": ("CB-SEM fit: {met} of {n} fit criteria met", "CB-SEM 拟合：{n} 项拟合标准中满足 {met} 项", "CB-SEM-Fit: {met} von {n} Kriterien erfüllt"),
    "cbfit.subtitle": ("Global fit of the CB-SEM model ({est}) with the usual cut-offs; admissibility checks below",
                       "CB-SEM 模型（{est}）的整体拟合及常用临界值；下方为可接受性检查",
                       "Globaler Fit des CB-SEM-Modells ({est}) mit üblichen Grenzwerten; Zulässigkeitsprüfungen unten"),
    "cbfit.measure": ("Measure", "指标", "Maß"),
    "cbfit.value": ("Value", "数值", "Wert"),
    "cbfit.cutoff": ("Cut-off", "临界值", "Grenzwert"),
    "cbfit.met": ("Met", "满足", "Erfüllt"),
    "cbfit.yes": ("yes", "是", "ja"),
    "cbfit.no": ("no", "否", "nein"),
    "cbfit.admissible": ("The solution is admissible: no Heywood case, no standardized estimate beyond ±1.", "解可接受：无 Heywood 情形，无超出 ±1 的标准化估计。",
                         "Die Lösung ist zulässig: kein Heywood-Fall, keine standardisierte Schätzung jenseits von ±1."),
    "cbfit.inadmissible": ("Not admissible ({n} problems):", "不可接受（{n} 个问题）：", "Nicht zulässig ({n} Probleme):"),
    "cbfit.foot": ("Cut-offs: Hu & Bentler (1999).", "临界值：Hu & Bentler (1999)。", "Grenzwerte: Hu & Bentler (1999)."),
    # index bars
    "index.title_focus": ("{c} index: {v} out of 100", "{c} 指数：{v}（满分 100）", "{c}-Index: {v} von 100"),
    "index.title_high": ("Highest index: {c} at {v} out of 100", "最高指数：{c}，{v}（满分 100）", "Höchster Index: {c} mit {v} von 100"),
    "index.title_tie": ("Highest indices: {c} (intervals overlap)", "最高指数：{c}（区间重叠）", "Höchste Indizes: {c} (Intervalle überlappen)"),
    "index.subtitle": ("Index per construct on a 0–100 scale", "各构念指数（0–100）", "Index je Konstrukt auf einer Skala von 0–100"),
    "index.subtitle_ci": (", with {level} bootstrap intervals", "，含 {level} 自助法区间", ", mit {level}-Bootstrap-Intervallen"),
    "index.noboot": ("No bootstrap: intervals not available (rerun csi fit with --boot).", "未做自助法：无区间（使用 --boot 重新运行 csi fit）。",
                     "Ohne Bootstrap: keine Intervalle (csi fit mit --boot erneut ausführen)."),
    "index.axis": ("Index (0 = lowest possible answer on every item, 100 = highest)", "指数（0 = 各题最低答案，100 = 最高）",
                   "Index (0 = niedrigste Antwort bei jeder Frage, 100 = höchste)"),
    # IPMA
    "ipma.title_prio": ("To raise {t}, improve {c}", "要提升{t}，应改进{c}", "Um {t} zu steigern: {c} verbessern"),
    "ipma.title_none": ("No construct is both important and under-performing for {t}", "对{t}而言，没有既重要又表现不佳的构念",
                        "Kein Konstrukt ist für {t} zugleich wichtig und unterdurchschnittlich"),
    "ipma.title_unclear": ("No clear priority for {t}: {c} is below average only within its interval", "{t}没有明确的优先事项：{c} 低于平均值，但在其区间之内",
                           "Keine klare Priorität für {t}: {c} liegt nur innerhalb seines Intervalls unter dem Durchschnitt"),
    "ipma.subtitle": ("Importance–performance map: importance = total effect on {t} (index points per point), performance = index (0–100)",
                      "重要性–表现图：重要性 = 对{t}的总效应（每点指数），表现 = 指数（0–100）",
                      "Wichtigkeits-Leistungs-Matrix: Wichtigkeit = Gesamteffekt auf {t}, Leistung = Index (0–100)"),
    "ipma.foot": ("Quadrants split at the mean importance and mean performance of the drivers shown.", "象限以所示驱动因素的平均重要性和平均表现划分。",
                  "Quadranten geteilt am Mittel der Wichtigkeit und der Leistung der gezeigten Treiber."),
    "ipma.foot_ci": ("A priority is named only when the construct's index interval lies below the mean performance.",
                     "仅当构念的指数区间低于平均表现时才列为优先事项。",
                     "Eine Priorität wird nur genannt, wenn das Indexintervall unter der mittleren Leistung liegt."),
    "ipma.priority": ("PRIORITY: improve\n(important, below-average performance)", "优先：改进\n（重要，表现低于平均）", "PRIORITÄT: verbessern\n(wichtig, unterdurchschnittlich)"),
    "ipma.priority_short": ("PRIORITY: improve", "优先：改进", "PRIORITÄT: verbessern"),
    "ipma.strength": ("Strengths: maintain", "优势：保持", "Stärken: halten"),
    "ipma.overkill": ("Possible overkill", "可能过度投入", "Möglicher Overkill"),
    "ipma.low": ("Low priority", "低优先级", "Geringe Priorität"),
    "ipma.xlabel": ("Importance: total effect on {t}", "重要性：对{t}的总效应", "Wichtigkeit: Gesamteffekt auf {t}"),
    "ipma.ylabel": ("Performance (index 0–100)", "表现（指数 0–100）", "Leistung (Index 0–100)"),
    "ipmai.title_prio": ("Item priorities for {t}: {c}", "{t}的题项优先事项：{c}", "Fragen mit Priorität für {t}: {c}"),
    "ipmai.title_none": ("No item is both important and under-performing for {t}", "对{t}而言，没有既重要又表现不佳的题项",
                         "Keine Frage ist für {t} zugleich wichtig und unterdurchschnittlich"),
    "ipmai.subtitle": ("Item-level importance–performance map: importance = normalized weight × construct importance; performance = item mean on 0–100",
                       "题项层面重要性–表现图：重要性 = 标准化权重 × 构念重要性；表现 = 题项均值（0–100）",
                       "Wichtigkeits-Leistungs-Matrix der Fragen: Wichtigkeit = normiertes Gewicht × Konstrukt-Wichtigkeit; Leistung = Mittelwert (0–100)"),
    "ipmai.foot": ("Quadrants split at the mean item importance and mean item performance; colour = construct.", "象限以题项平均重要性和平均表现划分；颜色 = 构念。",
                   "Quadranten geteilt am Mittel der Wichtigkeit und Leistung der Fragen; Farbe = Konstrukt."),
    "ipmai.xlabel": ("Importance: effect on {t} per index point of the item", "重要性：题项每指数点对{t}的效应", "Wichtigkeit: Effekt auf {t} je Indexpunkt der Frage"),
    "ipmai.ylabel": ("Performance (item mean, 0–100)", "表现（题项均值，0–100）", "Leistung (Mittelwert der Frage, 0–100)"),
    "ipmai.legend": ("Construct", "构念", "Konstrukt"),
    "and": (" and ", "和", " und "),
    "list_sep": (", ", "、", ", "),
    # tiers
    "tiers.all": ("All respondents", "全部受访者", "Alle Befragten"),
    "tiers.nps_title": ("Net Promoter Score {v}: {p}% promoters, {q}% detractors", "净推荐值 {v}：推荐者 {p}%，贬损者 {q}%",
                        "Net Promoter Score {v}: {p} % Promotoren, {q} % Detraktoren"),
    "tiers.title": ("{s} tiers: the largest group is {t} ({v}%)", "{s} 分层：最大群体为{t}（{v}%）", "{s}-Stufen: größte Gruppe ist {t} ({v} %)"),
    "tiers.subtitle": ("Share of respondents by tier", "各层受访者占比", "Anteil der Befragten je Stufe"),
    "tiers.by_segment": (", overall and by segment", "，总体及分群", ", gesamt und nach Segment"),
    "tiers.wilson": (", with 95% Wilson intervals", "，含 95% Wilson 区间", ", mit 95-%-Wilson-Intervallen"),
    "tiers.defined": ("Tiers: {d}.", "分层定义：{d}。", "Stufen: {d}."),
    "tiers.nps_scale": ("NPS on a {lo}–{hi} item, not the standard 0–10 scale: the standard cut-offs are applied to the answers as given.",
                        "NPS 基于 {lo}–{hi} 题项，而非标准 0–10 量表：标准临界值直接应用于原始答案。",
                        "NPS auf einer Frage mit {lo}–{hi}, nicht der Standardskala 0–10: die Standardgrenzen gelten für die Antworten wie gegeben."),
    "tiers.def.nps": ("promoters answer 9–10, passives 7–8, detractors 6 or less on the recommend item; NPS = % promoters − % detractors",
                      "推荐项上回答 9–10 为推荐者，7–8 为被动者，6 及以下为贬损者；NPS = 推荐者% − 贬损者%",
                      "Promotoren antworten 9–10, Passive 7–8, Detraktoren 6 oder weniger bei der Empfehlungsfrage; NPS = % Promotoren − % Detraktoren"),
    "tiers.def.quadrants": ("Jones & Sasser quadrants: satisfaction index × loyalty index, split at {cut}",
                            "Jones & Sasser 四象限：满意度指数 × 忠诚度指数，以 {cut} 划分",
                            "Quadranten nach Jones & Sasser: Zufriedenheits- × Loyalitätsindex, geteilt bei {cut}"),
    "tiers.def.bands": ("loyalty index bands: {bands}", "忠诚度指数分段：{bands}", "Bänder des Loyalitätsindex: {bands}"),
    # outer model / HTMT / groups
    "outer.title": ("Measurement model: {ok} of {n} items load at {thr} or more", "测量模型：{n} 个题项中有 {ok} 个载荷 ≥ {thr}",
                    "Messmodell: {ok} von {n} Fragen laden mit {thr} oder mehr"),
    "outer.subtitle": ("Outer loadings (bars) and outer weights (dots) per construct; dotted line = {thr} (item shares half its variance)",
                       "各构念外部载荷（条形）和外部权重（菱形）；虚线 = {thr}（题项与构念共享一半方差）",
                       "Ladungen (Balken) und Gewichte (Rauten) je Konstrukt; gepunktete Linie = {thr} (halbe gemeinsame Varianz)"),
    "outer.whiskers": ("Whiskers: {level} bootstrap intervals of the loadings.", "误差线：载荷的 {level} 自助法区间。", "Fehlerbalken: {level}-Bootstrap-Intervalle der Ladungen."),
    "outer.high": ("Loading ≥ {thr}", "载荷 ≥ {thr}", "Ladung ≥ {thr}"),
    "outer.low": ("Loading < {thr}", "载荷 < {thr}", "Ladung < {thr}"),
    "outer.weight": ("Weight", "权重", "Gewicht"),
    "htmt.title_high": ("Discriminant validity: {n} construct pair(s) at or above HTMT 0.85 (highest {a} – {b} {v})",
                        "区分效度：{n} 对构念 HTMT ≥ 0.85（最高 {a} – {b} {v}）",
                        "Diskriminanzvalidität: {n} Konstruktpaar(e) mit HTMT ≥ 0,85 (höchstes {a} – {b} {v})"),
    "htmt.title_ok": ("Discriminant validity: every construct pair is below HTMT 0.85", "区分效度：所有构念对的 HTMT 均低于 0.85",
                      "Diskriminanzvalidität: alle Konstruktpaare unter HTMT 0,85"),
    "htmt.subtitle": ("Heterotrait–monotrait ratios; 0.85 is the strict and 0.90 the liberal threshold (Henseler et al. 2015)",
                      "异质–单质比率（HTMT）；0.85 为严格、0.90 为宽松临界值（Henseler et al. 2015）",
                      "Heterotrait-Monotrait-Verhältnisse; 0,85 ist die strenge, 0,90 die liberale Schwelle (Henseler et al. 2015)"),
    "htmt.dagger": ("† upper bound of the {level} bootstrap interval reaches 0.85.", "† {level} 自助法区间上限达到 0.85。",
                    "† Obergrenze des {level}-Bootstrap-Intervalls erreicht 0,85."),
    "groups.title": ("{c} by {g}: highest {hi} ({hv}), lowest {lo} ({lv})", "按{g}的{c}：最高 {hi}（{hv}），最低 {lo}（{lv}）",
                     "{c} nach {g}: höchster Wert {hi} ({hv}), niedrigster {lo} ({lv})"),
    "groups.title_tie": ("{c} by {g}: no clear difference ({hi} {hv} to {lo} {lv}, intervals overlap)", "按{g}的{c}：无明显差异（{hi} {hv} 至 {lo} {lv}，区间重叠）",
                         "{c} nach {g}: kein klarer Unterschied ({hi} {hv} bis {lo} {lv}, Intervalle überlappen)"),
    "groups.title_plain": ("Indices by {g}", "按{g}的指数", "Indizes nach {g}"),
    "groups.subtitle": ("Index per construct in each {g} segment", "{g}各分群的构念指数", "Index je Konstrukt in jedem Segment von {g}"),
    "groups.subtitle_ci": (" with {level} bootstrap intervals", "，含 {level} 自助法区间", " mit {level}-Bootstrap-Intervallen"),
    "groups.grey": ("; grey line: all respondents", "；灰线：全部受访者", "; graue Linie: alle Befragten"),
    "groups.sig": ("† index differs significantly between at least two segments (permutation test, Holm-adjusted p < 0.05).",
                   "† 至少两个分群间指数差异显著（置换检验，Holm 校正 p < 0.05）。",
                   "† Index unterscheidet sich signifikant zwischen mindestens zwei Segmenten (Permutationstest, Holm-korrigiert p < 0,05)."),
    "groups.nosig": ("No index differs significantly between segments (permutation test, Holm-adjusted p < 0.05).",
                     "各分群间指数无显著差异（置换检验，Holm 校正 p < 0.05）。",
                     "Kein Index unterscheidet sich signifikant zwischen Segmenten (Permutationstest, Holm-korrigiert p < 0,05)."),
    "groups.axis": ("Index (0–100)", "指数（0–100）", "Index (0–100)"),
    "html.model": ("Model", "模型", "Modell"),
    "html.constructs": ("Indices and quality by construct", "各构念指数与质量", "Indizes und Güte je Konstrukt"),
    "html.paths": ("Structural model: paths", "结构模型：路径", "Strukturmodell: Pfade"),
    "html.cbsem_fit": ("CB-SEM fit", "CB-SEM 拟合", "CB-SEM-Fit"),
    "html.cbsem_paths": ("CB-SEM paths", "CB-SEM 路径", "CB-SEM-Pfade"),
    "html.indicators": ("Measurement model: items", "测量模型：题项", "Messmodell: Fragen"),
    "html.ipma": ("Importance–performance (IPMA)", "重要性–表现分析（IPMA）", "Wichtigkeit–Leistung (IPMA)"),
    "html.tiers": ("Loyalty tiers", "忠诚度分层", "Loyalitätsstufen"),
    "html.nps": ("Net Promoter Score", "净推荐值", "Net Promoter Score"),
    "html.group_indices": ("Groups: indices by segment", "分群：各分群指数", "Gruppen: Indizes je Segment"),
    "html.group_differences": ("Groups: differences", "分群：差异", "Gruppen: Unterschiede"),
    "html.waves_trend": ("Waves: index per wave", "各期：每期指数", "Wellen: Index je Welle"),
    "html.waves_changes": ("Waves: changes", "各期：变化", "Wellen: Veränderungen"),
    "html.charts": ("Charts", "图表", "Grafiken"),
    "html.warnings": ("Warnings", "警告", "Warnungen"),
    "title.client": ("Client: {c}", "客户：{c}", "Kunde: {c}"),
    "title.date": ("Date: {d}", "日期：{d}", "Datum: {d}"),
    "waves.title": ("{c} index {a} → {b} from {x} to {y} ({d}{v})", "{c} 指数从 {x} 到 {y}：{a} → {b}（{d}{v}）", "{c}-Index {a} → {b} von {x} bis {y} ({d}{v})"),
    "waves.sig": (", significant", "，显著", ", signifikant"),
    "waves.notsig": (", not significant", "，不显著", ", nicht signifikant"),
    "waves.title_one": ("{c} index in {x}: {a}", "{x} 的{c}指数：{a}", "{c}-Index in {x}: {a}"),
    "waves.title_series": ("{c} index by series, {x} to {y}", "{c}指数（按序列），{x} 至 {y}", "{c}-Index nach Reihe, {x} bis {y}"),
    "waves.subtitle": ("Index per wave (0–100)", "每期指数（0–100）", "Index je Welle (0–100)"),
    "waves.band": ("; band: {level} bootstrap interval of {c}", "；色带：{c}的 {level} 自助法区间", "; Band: {level}-Bootstrap-Intervall von {c}"),
    "waves.bands": (" with {level} bootstrap bands", "，含 {level} 自助法色带", " mit {level}-Bootstrap-Bändern"),
    "waves.marks": ("; ▲▼ significant change from the previous wave", "；▲▼ 与上一期相比显著变化", "; ▲▼ signifikante Veränderung zur Vorwelle"),
    "waves.foot": ("▲▼ two-sided bootstrap p < {p}; the number is the change in index points.", "▲▼ 双侧自助法 p < {p}；数字为指数变化点数。",
                   "▲▼ zweiseitiger Bootstrap p < {p}; die Zahl ist die Veränderung in Indexpunkten."),
    "scheme.nps": ("NPS", "NPS", "NPS"),
    "scheme.quadrants": ("Quadrants", "四象限", "Quadranten"),
    "scheme.bands": ("Bands", "分段", "Bänder"),
    "scheme.cut": ("{s} (cut-off {c})", "{s}（临界值 {c}）", "{s} (Grenze {c})"),
    "tier.apostle": ("Apostle", "忠实拥护者", "Apostel"),
    "tier.loyalist": ("Loyalist", "忠诚者", "Loyaler"),
    "tier.mercenary": ("Mercenary", "唯利者", "Söldner"),
    "tier.hostage": ("Hostage", "被迫者", "Geisel"),
    "tier.defector": ("Defector", "背离者", "Abwanderer"),
    "tier.terrorist": ("Terrorist", "破坏者", "Terrorist"),
    "tier.committed": ("Committed", "坚定者", "Gebunden"),
    "tier.vulnerable": ("Vulnerable", "动摇者", "Gefährdet"),
    "tier.at risk": ("At risk", "流失风险", "Abwanderungsgefahr"),
    "tier.promoter": ("Promoter", "推荐者", "Promotor"),
    "tier.passive": ("Passive", "被动者", "Passiver"),
    "tier.detractor": ("Detractor", "贬损者", "Detraktor"),
}
# the Chinese tier names by English key (plural forms map to the same entry)
_TIER_WORDS = {"promoter", "passive", "detractor", "apostle", "loyalist", "mercenary", "hostage", "defector", "terrorist",
               "committed", "vulnerable", "at risk"}


# method names inside sentences (inner weighting schemes, interval methods, missing-data policies)
_TERMS: dict[str, tuple[str, str]] = {
    "path": ("路径", "Pfad"), "factorial": ("因子", "faktoriell"), "centroid": ("质心", "Zentroid"),
    "percentile": ("百分位", "Perzentil"), "bca": ("BCa", "BCa"), "basic": ("基本", "Basis"), "normal": ("正态", "Normal"),
    "casewise": ("整例删除", "fallweise"), "mean": ("均值插补", "Mittelwert"), "em": ("EM", "EM"),
}


def term(word: object) -> str:
    """A method name (``path``, ``percentile``, ``casewise``…) in the current language."""
    w = str(word)
    t = _TERMS.get(w.lower())
    k = {"en": -1, "zh": 0, "de": 1}[_LANG.get()]
    return w if t is None or k < 0 else t[k]


def check_lang(lang: str | None) -> str:
    """``None`` → ``"en"``; an unknown code is one CsiError naming --lang and the choices."""
    if lang is None or lang == "":
        return "en"
    code = str(lang).lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise CsiError(f"--lang should be one of {', '.join(LANGUAGES)}; got {lang!r}")
    return code


def current() -> str:
    """The language of the block being rendered."""
    return _LANG.get()


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Render the block in ``lang`` (en, zh, de)."""
    token = _LANG.set(check_lang(lang))
    try:
        yield _LANG.get()
    finally:
        _LANG.reset(token)


def tr(key: str, **fields: object) -> str:
    """The text of ``key`` in the current language, formatted with ``fields``."""
    texts = _T[key]
    k = {"en": 0, "zh": 1, "de": 2}[_LANG.get()]
    return (texts[k] or texts[0]).format(**fields)


def tier_word(name: str) -> str:
    """A tier name (``promoters``, ``Passive``…) in the current language, else unchanged."""
    low = name.strip().lower().replace("_", " ")
    for key in (low, low[:-3] + "y" if low.endswith("ies") else low, low[:-1] if low.endswith("s") else low, low.split(">")[0].strip()):
        if key in _TIER_WORDS:
            rest = name.strip()[len(key):] if low.startswith(key) and ">" in low else ""
            return tr(f"tier.{key}") + rest
    return name
