"""Names of constructs, headers and categories in English and Chinese.

One dictionary per kind of label; :class:`Labels` looks them up for a language and falls
back to the code itself when a name is unknown (a user's own construct ``PRICE`` prints as
``PRICE``). Item wording comes from the codebook (``models/telecom_codebook.csv``).

>>> Labels("zh").construct("SAT")
'顾客满意度'
>>> Labels("en").construct("PRICE")
'PRICE'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Labels", "CONSTRUCTS", "HEADERS", "LANGS"]

LANGS = ("en", "zh")

#: Construct codes of the CSI model family -> (English, Chinese) names.
CONSTRUCTS: dict[str, tuple[str, str]] = {
    "IMAG": ("Corporate image", "企业形象"),
    "EXPE": ("Customer expectation", "顾客期望"),
    "QUAL": ("Perceived quality", "感知质量"),
    "VAL": ("Perceived value", "感知价值"),
    "SAT": ("Customer satisfaction", "顾客满意度"),
    "COMP": ("Customer complaints", "顾客抱怨"),
    "LOY": ("Customer loyalty", "顾客忠诚"),
}

#: Header and category keys -> (English, Chinese).
HEADERS: dict[str, tuple[str, str]] = {
    # generic
    "construct": ("Construct", "潜变量"),
    "item": ("Item", "题项"),
    "wording": ("Wording", "题项内容"),
    "n": ("N", "样本量"),
    "mean": ("Mean", "均值"),
    "sd": ("SD", "标准差"),
    "min": ("Min", "最小值"),
    "max": ("Max", "最大值"),
    "skew": ("Skewness", "偏度"),
    "kurtosis": ("Kurtosis", "峰度"),
    "missing": ("Missing", "缺失"),
    "statistic": ("Statistic", "统计量"),
    "value": ("Value", "值"),
    "model": ("Model", "模型"),
    "from": ("From", "自变量"),
    "to": ("To", "因变量"),
    "path": ("Path", "路径"),
    "hypothesis": ("Hypothesis", "假设"),
    "supported": ("Supported", "是否支持"),
    "yes": ("Yes", "支持"),
    "no": ("No", "不支持"),
    "estimate": ("B", "非标准化系数"),
    "beta": ("β", "标准化系数 β"),
    "se": ("SE", "标准误"),
    "z": ("z", "z 值"),
    "p": ("p", "p 值"),
    "ci95": ("95% CI", "95% 置信区间"),
    "beta_ci": ("95% CI of β", "β 的 95% 置信区间"),
    "expected": ("Expected sign", "预期方向"),
    "two-sided": ("two-sided", "双侧"),
    "one-sided": ("one-sided", "单侧"),
    "r2": ("R²", "R²"),
    # EFA
    "kmo": ("KMO", "KMO"),
    "bartlett": ("Bartlett χ²", "Bartlett 球形检验 χ²"),
    "df": ("df", "自由度"),
    "pa_factors": ("Factors (parallel analysis)", "因子数（平行分析）"),
    "pa_components": ("Components (parallel analysis)", "成分数（平行分析）"),
    "communality": ("h²", "共同度 h²"),
    "factor": ("Factor", "因子"),
    "eigenvalue": ("Eigenvalue", "特征值"),
    # measurement
    "loading": ("Loading", "标准化载荷"),
    "alpha": ("Cronbach's α", "Cronbach's α"),
    "rho_c": ("CR (ρc)", "组合信度 CR"),
    "rho_a": ("ρA", "ρA"),
    "ave": ("AVE", "平均方差抽取量 AVE"),
    # fit
    "chisq": ("χ²", "χ²"),
    "chisq_df": ("χ²/df", "χ²/df"),
    "cfi": ("CFI", "CFI"),
    "tli": ("TLI", "TLI"),
    "rmsea": ("RMSEA", "RMSEA"),
    "rmsea_ci": ("RMSEA 90% CI", "RMSEA 90% 置信区间"),
    "srmr": ("SRMR", "SRMR"),
    "cfa": ("Measurement model (CFA)", "测量模型（CFA）"),
    "sem": ("Structural model", "结构模型"),
    # effects
    "direct": ("Direct", "直接效应"),
    "indirect": ("Indirect", "间接效应"),
    "total": ("Total", "总效应"),
    "indirect_ci": ("Indirect 95% CI", "间接效应 95% 置信区间"),
    # index
    "overall": ("All respondents", "全体样本"),
    "index": ("Index (0-100)", "指数（0-100）"),
    "importance": ("Importance", "重要性"),
    "performance": ("Performance", "表现"),
    "impact": ("Impact", "影响"),
    "driver": ("Driver", "驱动因素"),
    # groups
    "step": ("Model", "模型"),
    "configural": ("Configural", "形态等同"),
    "metric": ("Metric (loadings)", "弱等同（载荷）"),
    "scalar": ("Scalar (intercepts)", "强等同（截距）"),
    "strict": ("Strict (residuals)", "严格等同（残差）"),
    "chisq_diff": ("Δχ²", "Δχ²"),
    "df_diff": ("Δdf", "Δdf"),
    "p_diff": ("p (Δχ²)", "p（Δχ²）"),
    "cfi_diff": ("ΔCFI", "ΔCFI"),
    "rmsea_diff": ("ΔRMSEA", "ΔRMSEA"),
    "decision": ("Decision", "结论"),
    "holds": ("holds", "成立"),
    "rejected": ("rejected", "不成立"),
    "baseline": ("baseline", "基线"),
    "difference": ("Difference", "差异"),
    "wald": ("Wald χ²", "Wald χ²"),
    "operator": ("Operator", "运营商"),
    "wave": ("Wave", "调查轮次"),
    "group": ("Group", "组别"),
    "density": ("Density", "密度"),
    "bootstrap_estimate": ("Bootstrap estimate", "Bootstrap 估计值"),
    # operators of the demo survey
    "China Mobile": ("China Mobile", "中国移动"),
    "China Unicom": ("China Unicom", "中国联通"),
    "China Telecom": ("China Telecom", "中国电信"),
}

#: Table and figure titles -> (English, Chinese).
TITLES: dict[str, tuple[str, str]] = {
    "item_descriptives": ("Item descriptive statistics", "题项描述性统计"),
    "sampling_adequacy": ("Sampling adequacy and number of factors", "抽样适切性与因子数"),
    "efa_loadings": ("Exploratory factor analysis: pattern loadings", "探索性因子分析：模式载荷"),
    "measurement_model": ("Measurement model: loadings, reliability and convergent validity",
                          "测量模型：载荷、信度与收敛效度"),
    "fornell_larcker": ("Discriminant validity: Fornell-Larcker criterion",
                        "区分效度：Fornell-Larcker 准则"),
    "htmt": ("Discriminant validity: heterotrait-monotrait ratio (HTMT)",
             "区分效度：异质-单质比率（HTMT）"),
    "fit_measures": ("Model fit", "模型拟合指标"),
    "hypotheses": ("Structural model: hypothesis tests", "结构模型：假设检验"),
    "effects": ("Standardized direct, indirect and total effects", "标准化直接、间接与总效应"),
    "index_scores": ("CSI scores (0-100) by operator", "各运营商满意度指数（0-100）"),
    "ipma": ("Importance-performance map analysis (target: {target})",
             "重要性-表现分析（目标变量：{target}）"),
    "invariance": ("Measurement invariance across {by}", "{by}间的测量不变性检验"),
    "group_paths": ("Structural paths by {by}: {first} vs {second}",
                    "{by}间结构路径比较：{first} 与 {second}"),
    "path_diagram": ("Structural model with standardized coefficients",
                     "结构模型及标准化路径系数"),
    "scree": ("Scree plot with parallel analysis", "碎石图与平行分析"),
    "ipma_map": ("Importance-performance map", "重要性-表现矩阵"),
    "index_trends": ("{construct} index by operator and wave", "各运营商各轮次{construct}指数"),
    "bootstrap": ("Bootstrap distributions of the structural paths", "结构路径的 Bootstrap 分布"),
}

NOTES: dict[str, tuple[str, str]] = {
    "stars": ("* p < .05, ** p < .01, *** p < .001.", "* p < .05，** p < .01，*** p < .001。"),
    "note": ("Note.", "注："),
    "fl": ("Diagonal: square root of the AVE; below it: latent correlations (CFA). "
           "Discriminant validity holds when the diagonal exceeds the correlations of its row "
           "and column (Fornell & Larcker, 1981).",
           "对角线为 AVE 的平方根，其下为潜变量相关系数（CFA）。对角线值大于所在行列的相关系数时，"
           "区分效度成立（Fornell & Larcker, 1981）。"),
    "htmt": ("HTMT below {thr} supports discriminant validity (Henseler et al., 2015). "
             "Not defined for single-item constructs.",
             "HTMT 小于 {thr} 表明区分效度成立（Henseler et al., 2015）；单题项潜变量无定义。"),
    "measurement": ("Standardized CFA loadings. Thresholds: loading ≥ .70, α ≥ .70, CR ≥ .70, "
                    "AVE ≥ .50 (Hair et al., 2019; Fornell & Larcker, 1981).",
                    "CFA 标准化载荷。标准：载荷 ≥ .70，α ≥ .70，CR ≥ .70，AVE ≥ .50"
                    "（Hair et al., 2019；Fornell & Larcker, 1981）。"),
    "single_item": ("Single-item constructs have no α, CR or AVE.",
                    "单题项潜变量无 α、CR 与 AVE。"),
    "fit": ("Conventional cut-offs: CFI and TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08 "
            "(Hu & Bentler, 1999).",
            "常用标准：CFI 与 TLI ≥ .95，RMSEA ≤ .06，SRMR ≤ .08（Hu & Bentler, 1999）。"),
    "efa": ("Loadings below {hide} in absolute value are omitted. Factors are matched to "
            "constructs by their loadings.",
            "绝对值小于 {hide} 的载荷未列出；因子按载荷与潜变量匹配。"),
    "hypotheses": ("β: standardized coefficient, with its own confidence interval; B: "
                   "unstandardized, with its interval; CI: {ci}; {test} test at α = {alpha}. "
                   "Supported: significant in the expected direction.",
                   "β：标准化系数及其自身的置信区间；B：非标准化系数及其置信区间；置信区间：{ci}；"
                   "{test}检验，α = {alpha}。支持：在预期方向上显著。"),
    "effects": ("Completely standardized effects (lavaan's std.all) with their own standard "
                "errors{boot}.", "完全标准化效应（lavaan 的 std.all）及其标准误{boot}。"),
    "index": ("Index: weighted mean of the items rescaled to 0-100, PLS outer weights "
              "(Fornell et al., 1996).", "指数：按 PLS 外部权重加权的题项均值，换算为 0-100"
              "（Fornell et al., 1996）。"),
    "ipma": ("Importance: unstandardized total effect on {target}; performance: index (0-100); "
             "impact: index gain of {target} when the driver gains {gain:g} points.",
             "重要性：对{target}的非标准化总效应；表现：指数（0-100）；影响：驱动因素提高 "
             "{gain:g} 分时{target}指数的增量。"),
    "invariance": ("A step holds when CFI drops by less than .010 (Cheung & Rensvold, 2002) and "
                   "RMSEA rises by less than .015 (Chen, 2007).",
                   "CFI 下降小于 .010（Cheung & Rensvold, 2002）且 RMSEA 上升小于 .015"
                   "（Chen, 2007）时该步骤成立。"),
    "group_paths": ("Unstandardized paths with equal loadings across groups; Wald test of "
                    "equal paths (1 df).", "载荷跨组等同的非标准化路径；路径相等的 Wald 检验"
                    "（自由度 1）。"),
}


@dataclass(frozen=True)
class Labels:
    """Look up construct names, headers and item wording in one language.

    Parameters
    ----------
    lang : {"en", "zh"}
    codebook : Codebook, optional
        Source of the item wording (:meth:`item`).
    constructs : mapping, optional
        Extra or replacement construct names for this language, e.g. ``{"PRICE": "价格"}``.
    """

    lang: str = "en"
    codebook: Any = None
    constructs: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.lang not in LANGS:
            raise ValueError(f"The 'lang' parameter must be one of {list(LANGS)}. "
                             f"Got {self.lang!r} instead.")

    @property
    def _i(self) -> int:
        return LANGS.index(self.lang)

    def construct(self, code: str) -> str:
        """The construct's name (the code itself when unknown)."""
        if code in self.constructs:
            return str(self.constructs[code])
        pair = CONSTRUCTS.get(code)
        return pair[self._i] if pair else str(code)

    def header(self, key: str) -> str:
        """A header or category (the key itself when unknown)."""
        pair = HEADERS.get(key)
        return pair[self._i] if pair else str(key)

    def title(self, key: str, **kw) -> str:
        pair = TITLES.get(key)
        return (pair[self._i] if pair else key).format(**kw)

    def note(self, key: str, **kw) -> str:
        return NOTES[key][self._i].format(**kw)

    def item(self, code: str) -> str:
        """The wording of an item in this language ("" without a codebook or entry)."""
        if self.codebook is None or code not in self.codebook:
            return ""
        return self.codebook.label(code, self.lang)

    def arrow(self, src: str, dst: str) -> str:
        return f"{self.construct(src)} → {self.construct(dst)}"
