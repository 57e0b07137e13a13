# Reference results of lavaan 0.6-14 for formative ('<~') blocks in CB-SEM, for
# tests/test_formative.py. Run from the repository root:
#     Rscript tests/reference/lavaan_formative/make_reference.R
# Fits each case with lavaan::sem() (ML) from tests/data/ and writes formative.json: the
# rows of parTable() (free, ustart, exo) and parameterEstimates() (est, se) with std.all,
# R-square and fit measures. lavaan 0.6-14 reads 'f <~ x1 + x2' as the regression of f on
# the items (all weights free unless fixed, the items exogenous with fixed.x) with the
# disturbance variance of f fixed at 0.
# Needs: lavaan 0.6-14, jsonlite.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
here <- file.path("tests", "reference", "lavaan_formative")
data_dir <- file.path("tests", "data")
if (!dir.exists(here)) stop("Run this script from the repository root.")
stopifnot(packageVersion("lavaan") == "0.6.14")

cases <- list(
  list(case = "mobi_formative_image", data = "ecsi_mobi.csv",
       model = "IMAG <~ 1*IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
CUEX =~ CUEX1 + CUEX2 + CUEX3
CUSA =~ CUSA1 + CUSA2 + CUSA3
CUSL =~ CUSL1 + CUSL2 + CUSL3
CUEX ~ IMAG
CUSA ~ IMAG + CUEX
CUSL ~ IMAG + CUSA",
       note = "ECSI mobile-phone data: a formative image composite emitting three paths"),
  list(case = "pd_composite_fixed_weight", data = "political_democracy.csv",
       model = "ind60 <~ 1*x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem60 ~ ind60",
       note = "one emitted path: identified because the disturbance of ind60 is fixed at 0")
)
FM <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic")
out <- list(lavaan_version = as.character(packageVersion("lavaan")), cases = list())
for (cs in cases) {
  data <- read.csv(file.path(data_dir, cs$data))
  fit <- sem(cs$model, data = data)
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  pe$std.all <- ss$est.std[match(paste(pe$lhs, pe$op, pe$rhs), paste(ss$lhs, ss$op, ss$rhs))]
  pt <- parTable(fit)
  out$cases[[cs$case]] <- list(
    model = cs$model, data_file = file.path("tests", "data", cs$data), note = cs$note,
    partable = pt[, c("lhs", "op", "rhs", "free", "ustart", "exo")],
    estimates = pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
    r2 = as.list(lavInspect(fit, "rsquare")),
    fit_measures = as.list(fitMeasures(fit, FM)))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           file.path(here, "formative.json"))
