"""Every word a reader sees, in English and Chinese: construct names, table headers,
titles, notes, the report's words and the translations of the warnings.

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

__all__ = ["Labels", "CONSTRUCTS", "HEADERS", "TITLES", "NOTES", "REPORT", "WARNINGS_ZH",
           "LANGS", "translate_warning", "same_warnings"]

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
    "table": ("Table", "表"),
    "figure": ("Figure", "图"),
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
    "index_scores_all": ("CSI scores (0-100)", "满意度指数（0-100）"),
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
    "weighted": ("Weighted by the sampling weights in column '{column}' (Kish effective sample "
                 "size {kish:.0f} of {n}).",
                 "按“{column}”列的抽样权重加权（Kish 有效样本量 {kish:.0f}，共 {n} 人）。"),
    "weighted_descriptives": ("Mean, SD, skewness and kurtosis are weighted by the sampling "
                              "weights in column '{column}'; N counts the answers, min and max "
                              "are unweighted.",
                              "均值、标准差、偏度与峰度按“{column}”列的抽样权重加权；N 为回答人数，"
                              "最小值与最大值未加权。"),
    "fit_robust": ("Weighted fits: Yuan-Bentler scaled χ² (its df and p) and robust CFI, TLI "
                   "and RMSEA (lavaan's .scaled and .robust measures).",
                   "加权模型：Yuan-Bentler 校正 χ²（及其自由度与 p 值）与稳健 CFI、TLI、RMSEA"
                   "（lavaan 的 .scaled 与 .robust 指标）。"),
}


#: Words of the HTML report and the paper outside the tables -> (English, Chinese).
REPORT: dict[str, tuple[str, str]] = {
    "title": ("Customer satisfaction index report", "顾客满意度指数分析报告"),
    "data": ("Data", "数据"), "measurement": ("Measurement model", "测量模型"),
    "structural": ("Structural model", "结构模型"), "index": ("Satisfaction index", "满意度指数"),
    "groups": ("Groups and waves", "组间与轮次比较"), "warnings": ("Warnings", "警告"),
    "model": ("Model", "模型"), "survey": ("Survey", "调查数据"),
    "used": ("Respondents used", "有效样本"), "estimator": ("Estimation", "估计方法"),
    "contents": ("Contents", "目录"),
    "model_line": ("{name} ({latents} constructs, {items} items, {paths} paths)",
                   "{name}（{latents} 个潜变量，{items} 个题项，{paths} 条路径）"),
    "estimation_line": ("CB-SEM {estimator} (missing data: {missing})",
                        "CB-SEM，{estimator} 估计（缺失值处理：{missing}）"),
    "bootstrap_line": ("bootstrap B = {B}, seed = {seed}", "Bootstrap 重抽样 B = {B}，随机种子 = {seed}"),
    "pls_line": ("PLS-PM (path weighting scheme) for the index", "指数由 PLS-PM（路径加权方案）计算"),
    "listwise": ("listwise deletion", "列删除"), "fiml": ("full-information ML", "全信息极大似然"),
    "weights": ("Sampling weights", "抽样权重"),
    "weights_line": ("column '{column}', Kish effective sample size {kish:.0f} of {n}; every "
                     "table and estimate is weighted",
                     "“{column}”列，Kish 有效样本量 {kish:.0f}（共 {n} 人）；所有表格与估计均已加权"),
    "untranslated": ("", "以下警告暂无中文译文，保留英文原文："),
    "your_operator": ("your operator", "您的运营商"),
    "ci_bootstrap": ("bootstrap percentile ({B} resamples)", "Bootstrap 百分位区间（{B} 次重抽样）"),
    "ci_wald": ("Wald (delta method)", "Wald 区间（delta 法）"),
    "effects_boot": ("; intervals: bootstrap percentile, B = {B}",
                     "；区间为 Bootstrap 百分位区间，B = {B}"),
    "effects_delta": ("; intervals: delta method", "；区间由 delta 法计算"),
    "diagram_note": ("Standardized coefficients; dashed: not significant.",
                     "标准化路径系数；虚线：不显著。"),
    "diagram_note_full": ("Standardized loadings and path coefficients; dashed: not significant; "
                          "R² inside the constructs.",
                          "标准化载荷与路径系数；虚线：不显著；潜变量内为 R²。"),
    "trend_ci": ("Error bars: 95% bootstrap intervals.", "误差线：95% Bootstrap 置信区间。"),
    "index_ci": ("CI: bootstrap percentile interval ({B} resamples of the PLS model).",
                 "置信区间：Bootstrap 百分位区间（PLS 模型重抽样 {B} 次）。"),
}

#: The warnings of csi_model's estimators in Chinese: (pattern of the English message,
#: Chinese template with the pattern's named groups). A warning without a translation is
#: shown in English under :data:`REPORT` ``["untranslated"]``.
WARNINGS_ZH: tuple[tuple[str, str], ...] = (
    (r"Listwise deletion: (?P<k>\d+) of (?P<n>\d+) rows with missing answers were dropped "
     r"\(use missing='fiml' to keep them\)\.",
     "列删除：{n} 行中有 {k} 行存在缺失回答，已被删除（用 missing='fiml' 可保留这些行）。"),
    (r"Listwise deletion: (?P<k>\d+) of (?P<n>\d+) rows with missing answers"
     r"(?: to the model's items)? were dropped\.",
     "列删除：{n} 行中有 {k} 行存在缺失回答，已被删除。"),
    (r"Listwise deletion: (?P<k>\d+) of (?P<n>\d+) respondents read from (?P<src>.+?) have a "
     r"missing answer to the model's items(?: \(rows (?P<rows>[^)]*)\))? and were dropped; the "
     r"results use (?P<used>\d+) of \d+\. Check the missing codes, or use an estimator that "
     r"keeps incomplete rows\.",
     "列删除：{src} 的 {n} 位受访者中有 {k} 位在模型题项上存在缺失回答，已被删除；"
     "结果基于 {used} 位受访者。请检查缺失值编码，或改用可保留不完整行的估计方法。"),
    (r"Listwise deletion within groups: (?P<k>\d+) incomplete rows were dropped\.",
     "组内列删除：删除了 {k} 个不完整的行。"),
    (r"EFA: (?P<item>\S+) \(an item of (?P<lv>\S+)\) loads most on (?P<f>\S+), the factor of "
     r"(?P<lv2>\S+) \((?P<a>[-\d.]+) vs (?P<b>[-\d.]+) on its own factor\)\.",
     "EFA：{lv} 的题项 {item} 在因子 {f}（对应 {lv2}）上的载荷最高（{a}，在本因子上为 {b}）。"),
    (r"EFA: (?P<item>\S+) \(an item of (?P<lv>\S+)\) loads most on (?P<f>\S+), the factor of "
     r"(?P<lv2>\S+) \((?P<a>[-\d.]+); no factor is matched to \S+\)\.",
     "EFA：{lv} 的题项 {item} 在因子 {f}（对应 {lv2}）上的载荷最高（{a}；没有因子与 {lv} 匹配）。"),
    (r"EFA: (?P<item>\S+) \(an item of (?P<lv>\S+)\) loads most on an unmatched factor "
     r"\((?P<f>[^)]+)\): (?P<a>[-\d.]+) vs (?P<b>[-\d.]+) on its own factor\.",
     "EFA：{lv} 的题项 {item} 在未匹配的因子（{f}）上载荷最高（{a}，在本因子上为 {b}）。"),
    (r"EFA: (?P<item>\S+) \(an item of (?P<lv>\S+)\) loads most on an unmatched factor "
     r"\((?P<f>[^)]+)\): (?P<a>[-\d.]+); no factor is matched to \S+\.",
     "EFA：{lv} 的题项 {item} 在未匹配的因子（{f}）上载荷最高（{a}；没有因子与 {lv} 匹配）。"),
    (r"Bootstrap: (?P<B>\d+) resamples \(seed (?P<seed>[^)]*)\); standard errors and percentile "
     r"intervals come from the resamples\.",
     "Bootstrap：{B} 次重抽样（随机种子 {seed}）；标准误与百分位区间均由重抽样得到。"),
    (r"Bootstrap: (?P<k>\d+) of (?P<B>\d+) resamples did not converge and were excluded from "
     r"the standard errors and intervals\.",
     "Bootstrap：{B} 次重抽样中有 {k} 次未收敛，已从标准误与区间的计算中排除。"),
    (r"(?P<lv>\S+) is measured by a single item \((?P<item>[^)]+)\): .*",
     "{lv} 仅由一个题项（{item}）测量：其 Cronbach's α、rho_c、omega、rho_A 与 AVE 无定义"
     "（CFA 中假定其信度为 1，残差方差固定为 0），其 HTMT 亦无定义。"),
    (r"No item scale was given \(no codebook, no scale=\): the observed range of each item was "
     r"used \((?P<r>[^)]*)\)\..*",
     "未给出题项量表范围（无编码表，也未指定 scale=）：指数使用了各题项的观测范围（{r}）。"
     "请指定 scale=(1, 10)（命令行：--scale 1,10），使指数采用问卷的量表范围。"),
    (r"Heywood case: the (?P<kind>latent|residual) variance of (?P<v>\S+) is negative "
     r"\((?P<x>[-\d.]+)\)(?P<at>.*)\. The solution is improper\.",
     "Heywood 现象：{v} 的{kind}方差为负（{x}）{at}，解不合理（improper）。"),
    (r"Standardized (?P<what>loading|path) above 1 in absolute value: (?P<arrow>.+) = "
     r"(?P<x>[-\d.]+)(?P<at>.*)\. The solution is improper\.",
     "标准化{what}的绝对值大于 1：{arrow} = {x}{at}，解不合理（improper）。"),
    (r"The latents (?P<a>\S+) and (?P<b>\S+) correlate (?P<r>[-\d.]+) \(above (?P<lim>[\d.]+)\)"
     r": .*",
     "潜变量 {a} 与 {b} 的相关系数为 {r}（大于 {lim}）：二者可能无法在实证上区分（区分效度不足）。"),
    (r"The R² of the latent (?P<lv>\S+) is (?P<r>[\d.]+) \(above (?P<lim>[\d.]+)\): .*",
     "潜变量 {lv} 的 R² 为 {r}（大于 {lim}）：其预测变量几乎完全解释了它，可能是解不合理或构念"
     "无法区分的迹象。"),
    (r"The estimation did not converge in (?P<k>\d+) iterations: .*",
     "估计在 {k} 次迭代内未收敛：所得估计值不是极大似然解。请简化模型或检查数据。"),
    (r"The PLS algorithm did not converge in (?P<k>\d+) iterations .*",
     "PLS 算法在 {k} 次迭代内未收敛：请增大 max_iter，或改用路径或因子加权方案。"),
    # missing answers (csi_model.survey.missing, fit_pls / measurement with missing='em')
    (r"Note: (?P<k>\d+) missing-data pattern\(s\) occur in one respondent only \(rows "
     r"(?P<rows>[^:]*): .*\)\. That is fine for (?P<m>EM and FIML|FIML and EM|FIML|EM) \(.*",
     "注：{k} 种缺失模式仅出现在一位受访者中（行 {rows}）。这对 {m} 没有问题（每位受访者贡献其"
     "已作答题项的似然）；列出它们是因为唯一的缺失模式可能是录入错误。"),
    (r"(?P<src>.+?): (?P<k>\d+) respondent\(s\) answered none of the model's (?P<p>\d+) items "
     r"\(rows (?P<rows>[^)]*)\) and were dropped: .*",
     "{src}：{k} 位受访者未回答模型的 {p} 个题项中的任何一个（行 {rows}），已被删除：他们不为模型"
     "提供任何信息。"),
    (r"(?P<src>.+?): (?P<k>\d+) respondent\(s\) left more than half of the model's items "
     r"unanswered \(rows (?P<rows>[^)]*)\); .*",
     "{src}：{k} 位受访者未回答模型一半以上的题项（行 {rows}）；他们被保留，但其回答信息很少。"
     "请检查（是否中途退出？）或删除他们。"),
    (r"(?P<src>.+?): more than half of the answers to (?P<cols>.+?) are missing; .*",
     "{src}：{cols} 一半以上的回答缺失；其估计只基于少数受访者。请检查问卷的跳转逻辑，或将其移出模型。"),
    (r"EM: (?P<k>\d+) missing answers of (?P<r>\d+) of (?P<n>\d+) respondents; the PLS "
     r"estimates use .*",
     "EM：{n} 位受访者中有 {r} 位共缺失 {k} 个回答；PLS 估计使用题项的 EM（饱和模型极大似然）均值与"
     "协方差矩阵，保留全部受访者；不完整受访者的构念得分使用其缺失回答在已答题项条件下的期望值。"),
    (r"EM: (?P<k>\d+) missing answers of (?P<r>\d+) of (?P<n>\d+) respondents; reliability, .*",
     "EM：{n} 位受访者中有 {r} 位共缺失 {k} 个回答；信度、效度、EFA 与 HTMT 使用题项的 EM 协方差"
     "矩阵，CFA 采用 FIML 估计：保留全部受访者。"),
    (r"Modification indices and normalized residuals are computed with missing='listwise' "
     r"only .*",
     "修正指数与标准化残差仅在 missing='listwise' 时计算（FIML 需要缺失数据信息矩阵），此处不显示。"),
)

_WARNING_WORDS_ZH = {"latent": "潜变量", "residual": "残差", "loading": "载荷", "path": "路径",
                     "EM and FIML": "EM 和 FIML", "FIML and EM": "FIML 和 EM"}

#: Placeholders of the operator's name in item wording (the codebook's convention).
OPERATOR_PLACEHOLDERS = ("[Operator]", "[运营商]")


#: csi_model.survey.missing.check_patterns' note: (rows and patterns, method, the rest)
_PATTERN_NOTE = (r"(Note: \d+ missing-data pattern\(s\) occur in one respondent only \(.*\)\. "
                 r"That is fine for )((?:FIML|EM)(?: and (?:FIML|EM))?)( \(each respondent .*)")


def same_warnings(messages) -> list[str]:
    """The messages with repeats dropped, in their first order: the same listwise deletion
    reported by the measurement model, the CB-SEM and the PLS fit is listed once (its
    longest wording), the multi-group fits' "within groups" deletion of the same
    number of rows is not listed again, and the note on missing-data patterns that occur
    once, which EM (PLS, measurement) and FIML (CB-SEM) each give about the same rows, is
    one note naming both methods.

    Parameters
    ----------
    messages : iterable of str

    Returns
    -------
    list of str

    Examples
    --------
    >>> same_warnings(["Listwise deletion: 3 of 50 rows with missing answers were dropped.",
    ...                "Listwise deletion: 3 of 50 rows with missing answers were dropped "
    ...                "(use missing='fiml' to keep them).", "Other.",
    ...                "Listwise deletion within groups: 3 incomplete rows were dropped.",
    ...                "Other."])
    ["Listwise deletion: 3 of 50 rows with missing answers were dropped (use missing='fiml' to keep them).", 'Other.']
    >>> note = ("Note: 1 missing-data pattern(s) occur in one respondent only (rows 7: missing "
    ...         "SAT3). That is fine for {} (each respondent adds the likelihood of the answers "
    ...         "given); unique patterns are listed because they can be entry errors.")
    >>> [w.split(". ")[1].split(" (")[0] for w in same_warnings([note.format("EM"),
    ...                                                          note.format("FIML")])]
    ['That is fine for EM and FIML']
    """
    import re

    out: list[str] = []
    seen: dict[tuple, int] = {}
    within: list[tuple[str, str]] = []
    for msg in dict.fromkeys(messages):
        m = re.match(r"Listwise deletion: (\d+) of (\d+) (?:rows|respondents)", msg)
        g = re.match(r"Listwise deletion within groups: (\d+) incomplete rows", msg)
        p = re.fullmatch(_PATTERN_NOTE, msg, flags=re.S)
        if g:
            within.append((g.group(1), msg))
        if p:                                        # the same rows, another ML method
            key = ("patterns", p.group(1), p.group(3))
            if key in seen:
                old = re.fullmatch(_PATTERN_NOTE, out[seen[key]], flags=re.S)
                methods = list(dict.fromkeys([*old.group(2).split(" and "),
                                             *p.group(2).split(" and ")]))
                out[seen[key]] = f"{p.group(1)}{' and '.join(methods)}{p.group(3)}"
                continue
        key = ("listwise", m.group(1), m.group(2)) if m else key if p else ("text", msg)
        if key in seen:
            if len(msg) > len(out[seen[key]]):     # the most informative wording
                out[seen[key]] = msg
            continue
        seen[key] = len(out)
        out.append(msg)
    dropped = {k[1] for k in seen if k[0] == "listwise"}
    return [msg for msg in out if not any(msg == w and k in dropped for k, w in within)]


def translate_warning(message: str, lang: str) -> str | None:
    """The warning in ``lang`` (itself for English; None when no translation is known).

    Examples
    --------
    >>> translate_warning("Listwise deletion: 3 of 50 rows with missing answers were dropped.",
    ...                   "zh")
    '列删除：50 行中有 3 行存在缺失回答，已被删除。'
    """
    if lang == "en":
        return message
    import re

    for pattern, template in WARNINGS_ZH:
        m = re.fullmatch(pattern, message.strip(), flags=re.S)
        if m:
            groups = {k: _WARNING_WORDS_ZH.get(v, v) for k, v in m.groupdict().items()}
            if groups.get("at"):
                groups["at"] = re.sub(r"\s*\(model line (\d+)\)", r"（模型第 \1 行）",
                                      groups["at"])
            return template.format(**groups)
    return None


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

    Examples
    --------
    >>> en, zh = Labels("en"), Labels("zh", constructs={"PRICE": "价格"})
    >>> en.construct("SAT"), zh.construct("SAT"), zh.construct("PRICE")
    ('Customer satisfaction', '顾客满意度', '价格')
    >>> zh.header("mean"), zh.table_number(3)
    ('均值', '表 3')
    """

    lang: str = "en"
    codebook: Any = None
    constructs: dict = field(default_factory=dict)
    operator: str | None = None

    def __post_init__(self):
        if self.lang not in LANGS:
            raise ValueError(f"The 'lang' parameter must be one of {list(LANGS)}. "
                             f"Got {self.lang!r} instead.")

    @property
    def _i(self) -> int:
        return LANGS.index(self.lang)

    def construct(self, code: str) -> str:
        """The construct's name (the code itself when unknown).

        Examples
        --------
        >>> Labels("zh").construct("LOY"), Labels("en").construct("LOY")
        ('顾客忠诚', 'Customer loyalty')
        """
        if code in self.constructs:
            return str(self.constructs[code])
        pair = CONSTRUCTS.get(code)
        return pair[self._i] if pair else str(code)

    def header(self, key: str) -> str:
        """A header or category (the key itself when unknown).

        Examples
        --------
        >>> Labels("en").header("sd"), Labels("zh").header("sd"), Labels("zh").header("unknown_key")
        ('SD', '标准差', 'unknown_key')
        """
        pair = HEADERS.get(key)
        return pair[self._i] if pair else str(key)

    def title(self, key: str, **kw) -> str:
        """A table's or figure's title (:data:`TITLES`), with ``{...}`` fields filled from ``kw``.

        Examples
        --------
        >>> Labels("en").title("hypotheses"), Labels("zh").title("hypotheses")
        ('Structural model: hypothesis tests', '结构模型：假设检验')
        """
        pair = TITLES.get(key)
        return (pair[self._i] if pair else key).format(**kw)

    def note(self, key: str, **kw) -> str:
        """A note under a table (:data:`NOTES`), with ``{...}`` fields filled from ``kw``.

        Examples
        --------
        >>> Labels("en").note("stars")
        '* p < .05, ** p < .01, *** p < .001.'
        >>> Labels("zh").note("stars")
        '* p < .05，** p < .01，*** p < .001。'
        """
        return NOTES[key][self._i].format(**kw)

    def item(self, code: str) -> str:
        """The wording of an item in this language ("" without a codebook or entry), with
        the operator's name for ``[运营商]``/``[Operator]`` (:attr:`operator`; when None,
        "your operator", which is what each respondent read).

        Examples
        --------
        >>> import csi_model as cm
        >>> Labels("zh", cm.load_codebook("telecom"), operator="China Mobile").item("SAT1")
        '总体而言，您对中国移动的满意程度如何？'
        """
        if self.codebook is None or code not in self.codebook:
            return ""
        text = self.codebook.label(code, self.lang)
        name = self.header(self.operator) if self.operator else self.report("your_operator")
        for placeholder in OPERATOR_PLACEHOLDERS:
            if text.startswith(placeholder):
                text = name[:1].upper() + name[1:] + text[len(placeholder):]
            text = text.replace(placeholder, name)
        return text

    def report(self, key: str, **kw) -> str:
        """A word of the report outside the tables (:data:`REPORT`).

        Examples
        --------
        >>> Labels("en").report("warnings"), Labels("zh").report("warnings")
        ('Warnings', '警告')
        """
        return REPORT[key][self._i].format(**kw)

    def ci_type(self, text: str) -> str:
        """An interval's kind (csi_model.hypotheses' ``ci.type``) in this language.

        Examples
        --------
        >>> Labels("zh").ci_type("bootstrap percentile (200 resamples)")
        'Bootstrap 百分位区间（200 次重抽样）'
        """
        import re

        if self.lang == "en":
            return text
        m = re.fullmatch(r"bootstrap (\w+) \((\d+) resamples\)", text)
        if m:
            kind = {"percentile": "百分位", "bca": "BCa ", "basic": "基本"}.get(m.group(1),
                                                                             m.group(1) + " ")
            return f"Bootstrap {kind}区间（{m.group(2)} 次重抽样）"
        return {"Wald": "Wald 区间（delta 法）"}.get(text, text)

    def warning(self, message: str) -> str | None:
        """A warning in this language (None when it has no translation).

        Examples
        --------
        >>> Labels("zh").warning("Listwise deletion: 3 of 50 rows with missing answers were dropped.")
        '列删除：50 行中有 3 行存在缺失回答，已被删除。'
        >>> Labels("zh").warning("Something new.") is None
        True
        """
        return translate_warning(message, self.lang)

    def table_number(self, n: int) -> str:
        """``Table 3`` / ``表 3``: the line above a table's title (APA 7).

        Examples
        --------
        >>> Labels("en").table_number(3), Labels("zh").table_number(3)
        ('Table 3', '表 3')
        """
        return f"{self.header('table')} {n}"

    def arrow(self, src: str, dst: str) -> str:
        """A path as ``from → to`` with the constructs' names.

        Examples
        --------
        >>> Labels("en").arrow("QUAL", "SAT")
        'Perceived quality → Customer satisfaction'
        >>> Labels("zh").arrow("QUAL", "SAT")
        '感知质量 → 顾客满意度'
        """
        return f"{self.construct(src)} → {self.construct(dst)}"
