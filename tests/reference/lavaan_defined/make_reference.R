# Reference results of lavaan 0.6-14 for csi_model's defined parameters (':=').
#
# Run from the repository root (about half a minute):
#     Rscript tests/reference/lavaan_defined/make_reference.R
#
# 1. Writes two data files to tests/data/: mediation.csv (the data of lavaan's mediation
#    tutorial: set.seed(1234); X, M, Y from rnorm, n = 100) and holzinger_missing.csv
#    (tests/data/holzinger_swineford.csv with 8 % of the x1-x9 cells set to missing,
#    set.seed(20261201), rows with no answer at all kept out).
# 2. Fits the models in this folder with lavaan::sem() from the CSV files and writes
#    defined.json: for every case the ':=' rows of parameterEstimates() (est, se, z, pvalue,
#    ci.lower, ci.upper) with std.all and its se from standardizedSolution(), and the free
#    parameter estimates.
# 3. Bootstrap cases (se = "bootstrap", iseed = S, serial): lavaan's bootstrap estimates
#    (lavInspect(fit, "boot"), one row per resample), the resample row indices (0-based;
#    lavaan 0.6-14 draws them with set.seed(iseed) and sample.int(n, replace = TRUE) per
#    resample, checked below against a refit of the first resample) and the ':=' rows
#    of parameterEstimates(boot.ci.type = "perc").
# Needs: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

here <- file.path("tests", "reference", "lavaan_defined")
data_dir <- file.path("tests", "data")
if (!dir.exists(here)) stop("Run this script from the repository root.")

# ------------------------------------------------------------------ data
set.seed(1234)
X <- rnorm(100)
M <- 0.5 * X + rnorm(100)
Y <- 0.7 * M + rnorm(100)
write.csv(data.frame(X = X, Y = Y, M = M), file.path(data_dir, "mediation.csv"),
          row.names = FALSE)

hs <- read.csv(file.path(data_dir, "holzinger_swineford.csv"))[, paste0("x", 1:9)]
set.seed(20261201)
hs_na <- as.matrix(hs)
hs_na[matrix(runif(length(hs_na)) < 0.08, nrow(hs_na))] <- NA
hs_na <- as.data.frame(hs_na[rowSums(!is.na(hs_na)) > 0, ])
write.csv(hs_na, file.path(data_dir, "holzinger_missing.csv"), row.names = FALSE, na = "")

read_model <- function(file) paste(readLines(file.path(here, file), warn = FALSE), collapse = "\n")
read_data <- function(file) read.csv(file.path(data_dir, file), na.strings = c("", "NA"))

defined_table <- function(fit, ...) {
  pe <- parameterEstimates(fit, ...)
  ss <- standardizedSolution(fit)
  key_pe <- paste(pe$lhs, pe$op, pe$rhs)
  key_ss <- paste(ss$lhs, ss$op, ss$rhs)
  m <- match(key_pe, key_ss)
  pe$std.all <- ss$est.std[m]
  pe$std.se <- ss$se[m]
  pe$std.ci.lower <- ss$ci.lower[m]
  pe$std.ci.upper <- ss$ci.upper[m]
  pe[pe$op == ":=", c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci.lower",
                      "ci.upper", "std.all", "std.se", "std.ci.lower", "std.ci.upper")]
}

free_table <- function(fit) {
  pt <- parTable(fit)
  pt <- pt[pt$free > 0, ]
  pt[, c("lhs", "op", "rhs", "free", "label", "est", "se")]
}

cases <- list()
fit_case <- function(case, model_file, data_file, ...) {
  model <- read_model(model_file)
  data <- read_data(data_file)
  fit <- sem(model, data = data, ...)
  extra <- list(...)
  cases[[case]] <<- list(
    model_file = file.path(here, model_file),
    data_file = file.path(data_dir, data_file),
    options = lapply(extra, function(v) if (is.numeric(v)) v else as.character(v)),
    n = lavInspect(fit, "nobs"),
    converged = lavInspect(fit, "converged"),
    defined = defined_table(fit),
    free = free_table(fit)
  )
  d <- cases[[case]]$defined
  cat(sprintf("%-34s %s\n", case, paste(sprintf("%s=%.4f (%.4f)", d$lhs, d$est, d$se),
                                        collapse = "  ")))
  invisible(fit)
}

fit_case("holzinger", "holzinger_defined.lav", "holzinger_swineford.csv")
fit_case("holzinger_mlr", "holzinger_defined.lav", "holzinger_swineford.csv", estimator = "MLR")
fit_case("holzinger_fiml", "holzinger_defined.lav", "holzinger_missing.csv", missing = "ml")
fit_case("political_democracy", "political_democracy_defined.lav", "political_democracy.csv")
fit_case("political_democracy_mlr", "political_democracy_defined.lav", "political_democracy.csv",
         estimator = "MLR")
fit_case("mediation", "mediation.lav", "mediation.csv")
fit_case("mediation_mlr", "mediation.lav", "mediation.csv", estimator = "MLR")

# ------------------------------------------------------------------ bootstrap
boot_case <- function(case, model_file, data_file, R, iseed) {
  model <- read_model(model_file)
  data <- read_data(data_file)
  fit <- sem(model, data = data, se = "bootstrap", bootstrap = R, iseed = iseed)
  boot <- lavInspect(fit, "boot")
  n <- nrow(data)
  set.seed(iseed)
  idx <- lapply(seq_len(R), function(b) sample.int(n, replace = TRUE))
  # the indices are lavaan's: a refit of the first resample reproduces its bootstrap row
  first <- coef(sem(model, data = data[idx[[1]], ], se = "none"))
  stopifnot(max(abs(first - boot[1, ])) < 1e-4)
  error_idx <- attr(boot, "error.idx")
  ok <- if (length(error_idx)) boot[-error_idx, , drop = FALSE] else boot
  def <- t(apply(ok, 1, fit@Model@def.function))
  if (nrow(def) == 1L) def <- t(def)
  pe <- defined_table(fit, boot.ci.type = "perc")
  # lavaan 0.6-14: the se of a ':=' parameter is sd() of its bootstrap values (divisor B - 1)
  stopifnot(max(abs(pe$se - apply(def, 2, sd))) < 1e-10)
  cases[[case]] <<- list(
    model_file = file.path(here, model_file),
    data_file = file.path(data_dir, data_file),
    options = list(se = "bootstrap", bootstrap = R, iseed = iseed, boot.ci.type = "perc"),
    n = n,
    defined = pe,
    free = free_table(fit),
    bootstrap = list(
      R = R, iseed = iseed, n_failed = length(error_idx),
      error_idx = as.list(error_idx - 1L),          # 0-based
      coef_names = colnames(boot),
      coef = unname(boot),                          # R x q, lavaan's free-parameter order
      indices = lapply(idx, function(i) i - 1L),    # 0-based row indices
      se_divisor_B = as.list(apply(def, 2, function(v) sqrt(mean((v - mean(v))^2))))
    )
  )
  cat(sprintf("%-34s %d resamples, %d failed; %s\n", case, R, length(error_idx),
              paste(sprintf("%s se=%.4f", pe$lhs, pe$se), collapse = "  ")))
}

boot_case("mediation_bootstrap", "mediation.lav", "mediation.csv", R = 1000L, iseed = 20261201L)
boot_case("political_democracy_bootstrap", "political_democracy_defined.lav",
          "political_democracy.csv", R = 300L, iseed = 20261202L)

out <- list(lavaan_version = as.character(packageVersion("lavaan")),
            r_version = R.version.string, cases = cases)
writeLines(toJSON(out, dataframe = "rows", auto_unbox = TRUE, digits = NA, na = "null",
                  null = "null", pretty = FALSE),
           file.path(here, "defined.json"), useBytes = TRUE)
