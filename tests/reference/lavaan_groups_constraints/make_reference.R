# Reference results of lavaan 0.6-14 for '==' constraints across groups (labels given by
# c() modifiers), for tests/test_groups_constraints.py. Run from the repository root:
#     Rscript tests/reference/lavaan_groups_constraints/make_reference.R
# Fits each case with lavaan::sem(..., group = by) (ML, listwise) from tests/data/ and writes
# groups_constraints.json: per case the model, data file, grouping column, group.equal,
# parameterEstimates() (group, label, est, se; the ':=' rows included, the '==' rows left
# out), lavaan's group labels and sizes, and fit measures (npar, chisq, df, ...).
# Needs: lavaan 0.6-14, jsonlite.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
here <- file.path("tests", "reference", "lavaan_groups_constraints")
data_dir <- file.path("tests", "data")
if (!dir.exists(here)) stop("Run this script from the repository root.")
stopifnot(packageVersion("lavaan") == "0.6.14")

FB <- "Selfesteem ~ Age + c(b1, b2)*TBSA + c(h1, h2)*HADS + RUM"
HS <- "visual  =~ x1 + c(a1, a2)*x2 + c(c1, c2)*x3
textual =~ x4 + x5 + c(t1, t2)*x6
speed   =~ x7 + x8 + x9"
cases <- list(
  list(case = "fb_sex_equal", data = "facial_burns.csv", by = "Sex", equal = "",
       model = paste(FB, "b1 == b2\ndiff := h1 - h2", sep = "\n"),
       note = "FacialBurns by sex (60 and 17): one path held equal by '==', a ':=' difference"),
  list(case = "fb_sex_linear", data = "facial_burns.csv", by = "Sex", equal = "",
       model = paste(FB, "h1 == 2*h2\ndiff := b1 - b2", sep = "\n"),
       note = "a linear equality with a coefficient across groups"),
  list(case = "hs_school_equal", data = "holzinger_swineford.csv", by = "school",
       equal = "",
       model = paste(HS, "a1 == a2\nc1 + c2 == 1.5\nd := t1 - t2", sep = "\n"),
       note = "HolzingerSwineford1939 by school: an equality and a sum constraint on loadings"),
  list(case = "hs_school_metric_intercepts", data = "holzinger_swineford.csv", by = "school",
       equal = "loadings",
       model = "visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
x1 ~ c(i1, i2)*1
x4 ~ c(j1, j2)*1
i1 == i2
j1 - j2 == 0.3",
       note = "group.equal loadings plus '==' on labelled intercepts")
)
FM <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic",
        "baseline.chisq", "baseline.df")
out <- list(lavaan_version = as.character(packageVersion("lavaan")), cases = list())
for (cs in cases) {
  data <- read.csv(file.path(data_dir, cs$data))
  fit <- if (nzchar(cs$equal[1])) sem(cs$model, data = data, group = cs$by, group.equal = cs$equal) else
    sem(cs$model, data = data, group = cs$by)
  pe <- parameterEstimates(fit)
  pe <- pe[!pe$op %in% c("==", "<", ">"), ]
  out$cases[[cs$case]] <- list(
    model = cs$model, data_file = file.path("tests", "data", cs$data), by = cs$by,
    equal = I(cs$equal[nzchar(cs$equal)]), note = cs$note, converged = lavInspect(fit, "converged"),
    groups = lavInspect(fit, "group.label"), nobs = unlist(lavInspect(fit, "nobs")),
    estimates = pe[, c("lhs", "op", "rhs", "group", "label", "est", "se")],
    fit_measures = as.list(fitMeasures(fit, FM)))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           file.path(here, "groups_constraints.json"))
