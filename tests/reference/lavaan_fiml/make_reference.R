# Reference results of lavaan 0.6-14 for csi_model's FIML tests (missing = "ml").
#
# Run from the repository root:
#     Rscript tests/reference/lavaan_fiml/make_reference.R [CASE ...]
#
# (with case names, only those cases are refitted; the data files are always rewritten)
#
# 1. Writes psych's bfi (2800 x 28) and sat.act (700 x 6) to tests/data/ (both have real
#    missing answers; see tests/data/README.md).
# 2. Fits every case below with lavaan::sem(..., missing = "ml") from the CSV files (so R and
#    Python read the same numbers) and writes tests/reference/lavaan_fiml/<case>.json:
#    ML (FIML, observed information), MLR (robust SEs, Yuan-Bentler-Mplus scaled test) and
#    the bootstrap on resample indices drawn here (set.seed; written to the JSON), each
#    resample refitted by lavaan with missing = "ml", so that Python can refit the very
#    same resamples.
#
# Needs: lavaan, psych, jsonlite (Debian: r-cran-lavaan r-cran-psych r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

ref_dir  <- file.path("tests", "reference", "lavaan_fiml")
data_dir <- file.path("tests", "data")
if (!dir.exists(ref_dir) || !dir.exists(data_dir)) {
  stop("Run this script from the repository root: Rscript tests/reference/lavaan_fiml/make_reference.R")
}

# ------------------------------------------------------------------ data export
bfi <- psych::bfi
write.csv(bfi, file.path(data_dir, "bfi.csv"), row.names = FALSE, na = "")
write.csv(psych::sat.act, file.path(data_dir, "sat_act.csv"), row.names = FALSE, na = "")

read_model <- function(file) paste(readLines(file.path(ref_dir, file), warn = FALSE), collapse = "\n")
read_data <- function(file) read.csv(file.path(data_dir, file), na.strings = c("", "NA"))
named_list <- function(x) {
  out <- as.list(unname(as.numeric(x)))
  names(out) <- names(x)
  out
}

estimates_of <- function(fit) {
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  pe$std.all <- ss$est.std[match(paste(pe$lhs, pe$op, pe$rhs), paste(ss$lhs, ss$op, ss$rhs))]
  pe[, c("lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all")]
}

write_case <- function(case, out) {
  json <- toJSON(out, dataframe = "rows", auto_unbox = TRUE, digits = NA, na = "null",
                 null = "null", pretty = TRUE)
  writeLines(json, file.path(ref_dir, paste0(case, ".json")), useBytes = TRUE)
}

only <- commandArgs(trailingOnly = TRUE)

fit_case <- function(case, model_file, data_file, ..., boot = 0, boot_seed = 1) {
  if (length(only) && !(case %in% only)) return(invisible(NULL))
  model <- read_model(model_file)
  data <- read_data(data_file)
  extra <- list(...)
  warns <- character(0)
  t0 <- proc.time()[["elapsed"]]
  fit <- withCallingHandlers(
    sem(model, data = data, ...),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  elapsed <- proc.time()[["elapsed"]] - t0
  opt <- lavInspect(fit, "options")
  call <- paste0("sem(model, data = data",
                 paste0(vapply(names(extra), function(k) sprintf(", %s = %s", k, deparse(extra[[k]])),
                               character(1)), collapse = ""), ")")
  out <- list(
    lavaan_version = as.character(packageVersion("lavaan")),
    r_version = R.version.string,
    case = case, model_file = model_file, data_file = file.path("tests", "data", data_file),
    options = list(estimator = if (is.null(extra$estimator)) "ML" else extra$estimator,
                   se = opt$se, test = opt$test, missing = opt$missing,
                   information = opt$information, h1.information = opt$h1.information,
                   observed.information = opt$observed.information, fixed.x = opt$fixed.x,
                   call = call),
    n = lavInspect(fit, "nobs"), n_original = lavInspect(fit, "norig"),
    n_patterns = nrow(lavInspect(fit, "patterns")),
    converged = lavInspect(fit, "converged"), warnings = as.list(warns),
    seconds = elapsed,
    estimates = estimates_of(fit),
    fit_measures = named_list(fitMeasures(fit)),
    r2 = named_list(lavInspect(fit, "r2"))
  )
  if (boot > 0) {
    # resample respondents (rows with their missing answers) on indices drawn here, and
    # refit each resample with lavaan, as se = "bootstrap" does
    n <- nrow(data)
    set.seed(boot_seed)
    idx <- t(replicate(boot, sample.int(n, replace = TRUE)))
    free <- parTable(fit)$free > 0
    reps <- matrix(NA_real_, boot, sum(free))
    ok <- logical(boot)
    t0 <- proc.time()[["elapsed"]]
    for (b in seq_len(boot)) {
      fb <- tryCatch(suppressWarnings(sem(model, data = data[idx[b, ], ], ...)),
                     error = function(e) NULL)
      if (!is.null(fb) && lavInspect(fb, "converged")) {
        reps[b, ] <- coef(fb)
        ok[b] <- TRUE
      }
    }
    out$bootstrap <- list(
      B = boot, seed = boot_seed,
      note = paste("idx: 1-based row numbers of each resample (set.seed(seed);",
                   "sample.int(n, replace = TRUE) per resample); replicates: coef() of each",
                   "resample refitted by sem() with the same options (NA if not converged);",
                   "se: lavaan's bootstrap SE, sqrt of cov(replicates) * (B - 1) / B"),
      seconds = proc.time()[["elapsed"]] - t0,
      names = names(coef(fit)),
      idx = idx, converged = ok, replicates = reps,
      se = named_list(setNames(sqrt(diag(cov(reps[ok, , drop = FALSE])) * (sum(ok) - 1) / sum(ok)),
                               names(coef(fit)))))
  }
  write_case(case, out)
  fm <- fitMeasures(fit, c("chisq", "df", "cfi", "rmsea", "srmr"))
  cat(sprintf("%-28s n=%4d  %s  (%.1f s)%s\n", case, lavInspect(fit, "nobs"),
              paste(names(fm), formatC(fm, digits = 5, format = "g"), collapse = "  "), elapsed,
              if (length(warns)) paste0("  [", length(warns), " warning(s)]") else ""))
  invisible(fit)
}

# ------------------------------------------------------------------ cases
# csi_model treats observed predictors as random (fixed.x = FALSE): their missing answers are
# part of the FIML likelihood. lavaan's missing = "ml.x" (fixed.x = TRUE) is written out too.
fit_case("telecom_ml", "telecom.lav", "telecom_sim_missing.csv", missing = "ml")
fit_case("telecom_mlr", "telecom.lav", "telecom_sim_missing.csv", missing = "ml", estimator = "MLR")
fit_case("bfi_five_ml", "bfi_five.lav", "bfi.csv", missing = "ml")
fit_case("bfi_five_mlr", "bfi_five.lav", "bfi.csv", missing = "ml", estimator = "MLR")
fit_case("bfi_predictors_ml", "bfi_predictors.lav", "bfi.csv", missing = "ml", fixed.x = FALSE)
fit_case("bfi_predictors_mlr", "bfi_predictors.lav", "bfi.csv", missing = "ml", fixed.x = FALSE,
         estimator = "MLR")
fit_case("bfi_predictors_mlx", "bfi_predictors.lav", "bfi.csv", missing = "ml.x")
fit_case("sat_act_ml", "sat_act.lav", "sat_act.csv", missing = "ml", fixed.x = FALSE)
fit_case("sat_act_mlr", "sat_act.lav", "sat_act.csv", missing = "ml", fixed.x = FALSE,
         estimator = "MLR")
# the bootstrap on shared resample indices
fit_case("telecom_boot", "telecom.lav", "telecom_sim_missing.csv", missing = "ml",
         boot = 40, boot_seed = 13)
fit_case("sat_act_boot", "sat_act.lav", "sat_act.csv", missing = "ml", fixed.x = FALSE,
         boot = 200, boot_seed = 13)
fit_case("bfi_five_boot", "bfi_five.lav", "bfi.csv", missing = "ml", boot = 15, boot_seed = 13)

# the invariance ladder by gender with missing = "ml" (one JSON with every step)
ladder_case <- function(case, model_file, data_file, group) {
  if (length(only) && !(case %in% only)) return(invisible(NULL))
  model <- read_model(model_file)
  data <- read_data(data_file)
  steps <- list(configural = "", metric = "loadings",
                scalar = c("loadings", "intercepts"))
  out <- list(lavaan_version = as.character(packageVersion("lavaan")),
              r_version = R.version.string, case = case, model_file = model_file,
              data_file = file.path("tests", "data", data_file), group = group, steps = list())
  for (s in names(steps)) {
    fit <- suppressWarnings(sem(model, data = data, group = group, missing = "ml",
                                group.equal = steps[[s]]))
    pe <- parameterEstimates(fit)
    pe$group.label <- lavInspect(fit, "group.label")[pe$group]
    out$steps[[s]] <- list(
      call = sprintf("sem(model, data = data, group = \"%s\", missing = \"ml\", group.equal = %s)",
                     group, deparse(steps[[s]])),
      n = as.list(lavInspect(fit, "nobs")), group_label = lavInspect(fit, "group.label"),
      converged = lavInspect(fit, "converged"),
      estimates = pe[, c("group.label", "lhs", "op", "rhs", "est", "se")],
      fit_measures = named_list(fitMeasures(fit)))
    fm <- fitMeasures(fit, c("chisq", "df", "cfi", "rmsea", "srmr"))
    cat(sprintf("%-20s %-10s %s\n", case, s,
                paste(names(fm), formatC(fm, digits = 5, format = "g"), collapse = "  ")))
  }
  write_case(case, out)
}
ladder_case("bfi_gender_ladder", "bfi_three.lav", "bfi.csv", "gender")
