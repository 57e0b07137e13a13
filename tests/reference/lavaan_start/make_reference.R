# lavaan's start values, for csi_model's start-value tests (csi_model/sem/start.py).
#
# Run from the repository root:
#     Rscript tests/reference/lavaan_start/make_reference.R
#
# For each case, lavaan::sem() is called with do.fit = FALSE (default options, so
# start = "default": FABIN 3 loadings, half the item variances, 0.05 for latent
# variances) on the committed CSV files of tests/data/ and the parameter table's
# start column is written to tests/reference/lavaan_start/<case>.json. The models are
# those of tests/reference/lavaan/.
#
# Needs: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

ref_dir   <- file.path("tests", "reference", "lavaan_start")
model_dir <- file.path("tests", "reference", "lavaan")
data_dir  <- file.path("tests", "data")
if (!dir.exists(ref_dir) || !dir.exists(data_dir)) {
  stop("Run this script from the repository root: Rscript tests/reference/lavaan_start/make_reference.R")
}

cases <- list(
  holzinger           = c("holzinger.lav", "holzinger_swineford.csv"),
  political_democracy = c("political_democracy.lav", "political_democracy.csv"),
  telecom_sim         = c("telecom.lav", "telecom_sim.csv"),
  ecsi_mobi           = c("ecsi_mobi.lav", "ecsi_mobi.csv")
)

for (case in names(cases)) {
  model <- paste(readLines(file.path(model_dir, cases[[case]][1]), warn = FALSE), collapse = "\n")
  data <- read.csv(file.path(data_dir, cases[[case]][2]), na.strings = c("", "NA"))
  fit <- sem(model, data = data, do.fit = FALSE)
  pt <- parTable(fit)
  rows <- lapply(seq_len(nrow(pt)), function(i)
    list(lhs = pt$lhs[i], op = pt$op[i], rhs = pt$rhs[i], free = pt$free[i],
         start = pt$start[i]))
  out <- list(lavaan_version = as.character(packageVersion("lavaan")),
              r_version = R.version.string, case = case,
              model_file = file.path(model_dir, cases[[case]][1]),
              data_file = file.path(data_dir, cases[[case]][2]),
              call = "sem(model, data = data, do.fit = FALSE); parTable(fit)$start",
              n = lavInspect(fit, "nobs"), start = rows)
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
             file.path(ref_dir, paste0(case, ".json")))
}
