# Reference results of lavaan 0.6 for csi_model's effects and bootstrap tests.
#
# Run from the repository root (about a minute: 1000 bootstrap refits):
#     Rscript tests/reference/lavaan_effects/make_reference.R
#
# Fits tests/reference/lavaan_effects/telecom_effects.lav (the telecom model with labelled
# paths and ':=' indirect/total effects of each latent on SAT and LOY) to tests/data/telecom_sim.csv
# twice and writes telecom_effects.json next to this script:
#   * se = "standard": estimates, delta-method SEs of the defined effects, std.all of them;
#   * se = "bootstrap", bootstrap = 1000 (set.seed(20261101)): bootstrap SEs (divisor B) and
#     percentile intervals (boot.ci.type = "perc"), with the time it took;
#   * 20 resamples drawn with set.seed(20261102) and sample.int(), each fitted by lavaan: the
#     0-based row indices and the estimates, for an exact check of csi_model's batched refits.
# Needs: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

here <- file.path("tests", "reference", "lavaan_effects")
if (!dir.exists(here)) stop("Run this script from the repository root.")
model <- paste(readLines(file.path(here, "telecom_effects.lav"), warn = FALSE), collapse = "\n")
data <- read.csv(file.path("tests", "data", "telecom_sim.csv"))

table_of <- function(fit, ...) {
  pe <- parameterEstimates(fit, ...)
  ss <- standardizedSolution(fit)
  key_pe <- paste(pe$lhs, pe$op, pe$rhs)
  key_ss <- paste(ss$lhs, ss$op, ss$rhs)
  m <- match(key_pe, key_ss)
  pe$std.all <- ss$est.std[m]
  pe$std.se <- ss$se[m]
  pe[, c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper",
         "std.all", "std.se")]
}

fit <- sem(model, data = data)
standard <- table_of(fit)

set.seed(20261101)
elapsed <- system.time(
  fit_boot <- sem(model, data = data, se = "bootstrap", bootstrap = 1000L)
)[["elapsed"]]
boot <- parameterEstimates(fit_boot, boot.ci.type = "perc", level = 0.95)
boot_coef <- lavInspect(fit_boot, "boot")

out <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  r_version = R.version.string,
  data = "tests/data/telecom_sim.csv",
  model = "tests/reference/lavaan_effects/telecom_effects.lav",
  n = nrow(data),
  standard = standard,
  bootstrap = list(
    R = 1000L, seed = 20261101L, elapsed_seconds = elapsed,
    n_failed = length(attr(boot_coef, "error.idx")),
    table = boot[, c("lhs", "op", "rhs", "label", "est", "se", "ci.lower", "ci.upper")]
  )
)
cat(sprintf("lavaan bootstrap (1000 resamples): %.1f s\n", elapsed))

# ------------------------------------------------------------------ exact resamples
# 20 resamples drawn here and fitted by lavaan one by one: csi_model's batched refit of the
# very same rows must give the same estimates (a check of the refit, free of Monte-Carlo error).
set.seed(20261102)
n <- nrow(data)
idx <- lapply(1:20, function(b) sample.int(n, replace = TRUE))
coefs <- lapply(idx, function(i) {
  f <- sem(model, data = data[i, ], se = "none")
  pt <- parTable(f)
  keep <- pt$free > 0
  list(lhs = pt$lhs[keep], op = pt$op[keep], rhs = pt$rhs[keep], est = pt$est[keep],
       converged = lavInspect(f, "converged"))
})
out$resamples <- list(seed = 20261102L, indices = lapply(idx, function(i) i - 1L),  # 0-based
                      fits = coefs)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           file.path(here, "telecom_effects.json"))
