# Reference results of lavaan 0.6-14 for csi_model's constraints ('==', '<', '>'),
# for tests/test_constraints.py.
#
# Run from the repository root (a few seconds):
#     Rscript tests/reference/lavaan_constraints/make_reference.R
#
# Fits each case with lavaan::sem() (ML, expected information, listwise) from the CSV files
# in tests/data/ and writes constraints.json: per case the model, the data file, the rows of
# parameterEstimates() (est, se, z) with std.all from standardizedSolution(), lavaan's
# R-square and fit measures (npar, chisq, df, ...).
# Needs: lavaan 0.6-14, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
here <- file.path("tests", "reference", "lavaan_constraints")
data_dir <- file.path("tests", "data")
if (!dir.exists(here)) stop("Run this script from the repository root.")
stopifnot(packageVersion("lavaan") == "0.6.14")

HS <- "visual =~ x1 + a*x2 + b*x3
textual =~ x4 + x5 + x6
speed =~ x7 + c8*x8 + x9"
PD_RES <- "dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"
PD <- paste("ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a1*y2 + b1*y3 + c1*y4
dem65 =~ y5 + a2*y6 + b2*y7 + c2*y8", PD_RES, sep = "\n")
PD_LABELS <- paste("ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8", PD_RES, sep = "\n")

cases <- list(
  list(case = "hs_equal", model = paste(HS, "a == b", sep = "\n"), data = "hs1939.csv",
       note = "a simple equality between two labels"),
  list(case = "hs_linear_scaled", model = paste(HS, "a == 2*b - 0.5", sep = "\n"),
       data = "hs1939.csv", note = "a linear equality with a coefficient and a constant"),
  list(case = "hs_effect_coding",
       model = "visual =~ NA*x1 + l1*x1 + l2*x2 + l3*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nl1 + l2 + l3 == 3",
       data = "hs1939.csv", note = "effect coding: two modifiers on x1 (NA and a label), a sum constraint"),
  list(case = "pd_equal_loadings", model = paste(PD, "a1 == a2\nb1 == b2\nc1 == c2", sep = "\n"),
       data = "political_democracy.csv",
       note = "lavaan's tutorial model with equal loadings written as '==' constraints"),
  list(case = "pd_shared_labels", model = PD_LABELS, data = "political_democracy.csv",
       note = "the same model with shared labels (lavaan's tutorial)"),
  list(case = "hs_inequality_inactive", model = paste(HS, "b < 1", sep = "\n"),
       data = "hs1939.csv", note = "an inequality that does not bind (b = 0.73)"),
  list(case = "hs_inequality_active", model = paste(HS, "a > 0.7", sep = "\n"),
       data = "hs1939.csv", note = "an inequality that binds (a = 0.55 unconstrained)"),
  list(case = "hs_nonlinear", model = paste(HS, "a*b == 1", sep = "\n"), data = "hs1939.csv",
       note = "a nonlinear equality"),
  list(case = "hs_mixed", model = paste(HS, "a == b\nc8 < 1.1", sep = "\n"), data = "hs1939.csv",
       note = "a linear equality and a binding inequality (c8 = 1.18 unconstrained)")
)

FM <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic")
out <- list(lavaan_version = as.character(packageVersion("lavaan")), cases = list())
for (cs in cases) {
  data <- read.csv(file.path(data_dir, cs$data))
  fit <- sem(cs$model, data = data)
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  m <- match(paste(pe$lhs, pe$op, pe$rhs), paste(ss$lhs, ss$op, ss$rhs))
  pe$std.all <- ss$est.std[m]
  pe <- pe[!pe$op %in% c("==", "<", ">"), ]
  pt <- parTable(fit)
  out$cases[[cs$case]] <- list(
    model = cs$model, data_file = file.path("tests", "data", cs$data), note = cs$note,
    converged = lavInspect(fit, "converged"),
    estimates = pe[, c("lhs", "op", "rhs", "label", "est", "se", "z", "std.all")],
    constraints = pt[pt$op %in% c("==", "<", ">"), c("lhs", "op", "rhs")],
    r2 = as.list(lavInspect(fit, "rsquare")),
    fit_measures = as.list(fitMeasures(fit, FM)))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           file.path(here, "constraints.json"))
