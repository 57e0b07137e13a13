# Reference results of lavaan for csi_model's CB-SEM tests.
#
# Run from the repository root:
#     Rscript tests/reference/lavaan/make_reference.R
#
# 1. Exports lavaan's PoliticalDemocracy and HolzingerSwineford1939 data sets to
#    tests/data/*.csv (the other data files there are committed as they are).
# 2. Fits every case below with lavaan::sem() from the CSV files (so R and Python
#    read exactly the same numbers) and writes tests/reference/lavaan/<case>.json.
#
# Needs: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

ref_dir  <- file.path("tests", "reference", "lavaan")
data_dir <- file.path("tests", "data")
if (!dir.exists(ref_dir) || !dir.exists(data_dir)) {
  stop("Run this script from the repository root: Rscript tests/reference/lavaan/make_reference.R")
}

# ------------------------------------------------------------------ data export
pd <- lavaan::PoliticalDemocracy
write.csv(pd, file.path(data_dir, "political_democracy.csv"), row.names = FALSE)
hs <- lavaan::HolzingerSwineford1939[, c(paste0("x", 1:9), "school")]
write.csv(hs, file.path(data_dir, "holzinger_swineford.csv"), row.names = FALSE)

# ------------------------------------------------------------------ helpers
read_model <- function(file) paste(readLines(file.path(ref_dir, file), warn = FALSE), collapse = "\n")

read_data <- function(file) read.csv(file.path(data_dir, file), na.strings = c("", "NA"))

# a named numeric vector -> named list (NA -> null)
named_list <- function(x) {
  out <- as.list(unname(as.numeric(x)))
  names(out) <- names(x)
  out
}

matrix_list <- function(m) {
  m <- as.matrix(m)
  out <- lapply(seq_len(nrow(m)), function(i) named_list(setNames(m[i, ], colnames(m))))
  names(out) <- rownames(m)
  out
}

fit_case <- function(case, model_file, data_file, ...) {
  model <- read_model(model_file)
  data <- read_data(data_file)
  warns <- character(0)
  fit <- withCallingHandlers(
    sem(model, data = data, ...),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })

  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  key_pe <- paste(pe$lhs, pe$op, pe$rhs)
  key_ss <- paste(ss$lhs, ss$op, ss$rhs)
  pe$std.all <- ss$est.std[match(key_pe, key_ss)]
  est <- pe[, c("lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all")]

  pt <- parTable(fit)
  pt_cols <- c("lhs", "op", "rhs", "user", "free", "ustart", "exo", "label", "est", "se")
  partable <- pt[, intersect(pt_cols, names(pt))]

  opt <- lavInspect(fit, "options")
  extra <- list(...)
  sem_call <- paste0("sem(model, data = data",
                     paste0(vapply(names(extra), function(k) sprintf(", %s = \"%s\"", k, extra[[k]]),
                                   character(1)), collapse = ""), ")")
  fitted_moments <- fitted(fit)

  out <- list(
    lavaan_version = as.character(packageVersion("lavaan")),
    r_version = R.version.string,
    case = case,
    model_file = model_file,
    data_file = file.path("tests", "data", data_file),
    options = list(
      estimator = if (is.null(extra$estimator)) "ML" else extra$estimator,  # as requested
      lavaan_estimator = opt$estimator,  # lavaan stores MLR as ML + robust se/test
      se = opt$se,
      test = opt$test,
      missing = opt$missing,
      meanstructure = opt$meanstructure,
      likelihood = opt$likelihood,
      information = opt$information,
      std.lv = opt$std.lv,
      call = sem_call
    ),
    n = lavInspect(fit, "nobs"),
    n_original = lavInspect(fit, "norig"),
    converged = lavInspect(fit, "converged"),
    post_check = suppressWarnings(lavInspect(fit, "post.check")),
    warnings = as.list(warns),
    estimates = est,
    fit_measures = named_list(fitMeasures(fit)),
    r2 = named_list(lavInspect(fit, "r2")),
    implied_cov = matrix_list(fitted_moments$cov),
    partable = partable
  )
  # admissibility (lavaan itself warns only about negative variances, see post_check)
  struct <- est$op %in% c("=~", "~") & !is.na(est$std.all) & abs(est$std.all) > 1
  r2 <- lavInspect(fit, "r2")
  out$admissibility <- list(
    std_above_1 = est[struct, c("lhs", "op", "rhs", "est", "std.all")],
    latent_r2_above_0.95 = named_list(r2[names(r2) %in% lavNames(fit, "lv") & r2 > 0.95])
  )
  if (!is.null(fitted_moments$mean)) {
    out$implied_mean <- named_list(fitted_moments$mean)
  }
  # single-indicator latents: lavaan fixes the item's residual variance to 0
  single <- pt[pt$op == "~~" & pt$lhs == pt$rhs & pt$free == 0 & pt$user == 0 &
                 !is.na(pt$ustart) & pt$ustart == 0 & pt$lhs %in% lavNames(fit, "ov"), ]
  if (nrow(single) > 0) {
    out$single_indicator_fixed <- single[, intersect(pt_cols, names(single))]
    out$notes <- paste0("lavaan fixed the residual variance of the single indicator(s) ",
                        paste(single$lhs, collapse = ", "), " to 0 (partable rows in ",
                        "'single_indicator_fixed').")
  }
  json <- toJSON(out, dataframe = "rows", auto_unbox = TRUE, digits = NA, na = "null",
                 null = "null", pretty = TRUE)
  writeLines(json, file.path(ref_dir, paste0(case, ".json")), useBytes = TRUE)
  fm <- fitMeasures(fit, c("chisq", "df", "cfi", "rmsea", "srmr"))
  cat(sprintf("%-30s n=%4d  %s%s\n", case, lavInspect(fit, "nobs"),
              paste(names(fm), formatC(fm, digits = 5, format = "g"), collapse = "  "),
              if (length(warns)) paste0("  [", length(warns), " warning(s)]") else ""))
  invisible(fit)
}

# ------------------------------------------------------------------ cases
fit_case("political_democracy", "political_democracy.lav", "political_democracy.csv")
fit_case("political_democracy_mlr", "political_democracy.lav", "political_democracy.csv",
         estimator = "MLR")
fit_case("holzinger", "holzinger.lav", "holzinger_swineford.csv")
fit_case("holzinger_mlr", "holzinger.lav", "holzinger_swineford.csv", estimator = "MLR")
fit_case("telecom_sim", "telecom.lav", "telecom_sim.csv")
fit_case("ecsi_mobi", "ecsi_mobi.lav", "ecsi_mobi.csv")
fit_case("telecom_missing_fiml", "telecom.lav", "telecom_sim_missing.csv", missing = "ml")
fit_case("telecom_missing_listwise", "telecom.lav", "telecom_sim_missing.csv",
         missing = "listwise")
# observed exogenous predictors: csi_model frees their variances/covariances (fixed.x = FALSE)
fit_case("observed_predictors", "observed_predictors.lav", "political_democracy.csv",
         fixed.x = FALSE)
