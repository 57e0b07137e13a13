# Reference values of lavaan 0.6-14 / psych / semTools for csi_model's missing = "em" tests.
#
# Run from the repository root:
#     Rscript tests/reference/lavaan_em/make_reference.R
#
# For two data sets with missing answers (tests/data/telecom_sim_missing.csv, simulated,
# 5 % missing; tests/data/bfi.csv, psych's bfi, 25 items) it writes <case>.json with
#  - the EM (saturated maximum-likelihood, missing = "ml") means and covariance matrix of the
#    model's items: lavaan's own EM (lav_mvnorm_missing_h1_estimate_moments, the h1 of
#    missing = "ml") run to tol = 1e-13 (lavaan's default 1e-5 stops too early for a 1e-6
#    comparison), and lavCor(missing = "ml", output = "cov") (nlminb on the unrestricted model,
#    lavaan's own tolerance) as a second, looser check;
#  - per block of the model: psych::alpha() of the EM covariance matrix (raw and standardized
#    alpha), and semTools::compRelSEM() (omega, observed total variance = the EM matrix) and
#    semTools::AVE() of lavaan's CFA of the blocks fitted with missing = "ml".
#
# Needs: lavaan, psych, semTools, jsonlite (Debian: r-cran-lavaan r-cran-psych
# r-cran-semtools r-cran-jsonlite).
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
ref_dir <- file.path("tests", "reference", "lavaan_em")
data_dir <- file.path("tests", "data")
if (!dir.exists(ref_dir)) stop("Run this script from the repository root.")

blocks_of <- function(model) {
  pt <- lavaanify(model)
  ld <- pt[pt$op == "=~", ]
  split(ld$rhs, factor(ld$lhs, levels = unique(ld$lhs)))
}

one_case <- function(case, model_file, data_file) {
  model <- paste(readLines(file.path(ref_dir, model_file), warn = FALSE), collapse = "\n")
  d <- read.csv(file.path(data_dir, data_file), na.strings = c("", "NA"))
  blocks <- blocks_of(model)
  items <- unique(unlist(blocks))
  Y <- as.matrix(d[, items])
  Y <- Y[rowSums(!is.na(Y)) > 0, , drop = FALSE]
  em <- lavaan:::lav_mvnorm_missing_h1_estimate_moments(Y = Y, max.iter = 100000L, tol = 1e-13)
  S <- em$Sigma; dimnames(S) <- list(items, items)
  mu <- as.numeric(em$Mu); names(mu) <- items
  lc <- lavCor(as.data.frame(Y), missing = "ml", output = "cov")
  # CFA of the blocks with FIML (a single item's residual variance fixed at 0, as csi_model's
  # measurement() does): omega and AVE by semTools (which drops single-item factors)
  multi <- blocks[sapply(blocks, length) > 1]
  single <- blocks[sapply(blocks, length) == 1]
  cfa_model <- paste(c(sprintf("%s =~ %s", names(blocks), sapply(blocks, paste, collapse = " + ")),
                       sprintf("%s ~~ 0*%s", unlist(single), unlist(single))), collapse = "\n")
  fit <- cfa(cfa_model, data = as.data.frame(Y), missing = "ml")
  omega <- semTools::compRelSEM(fit)
  ave <- semTools::AVE(fit)
  rel <- lapply(names(multi), function(lv) {
    b <- multi[[lv]]
    a <- suppressWarnings(suppressMessages(psych::alpha(S[b, b], check.keys = FALSE, warnings = FALSE)))
    list(latent = lv, alpha_raw = a$total$raw_alpha, alpha_std = a$total$std.alpha,
         omega = unname(omega[lv]), ave = unname(ave[lv]))
  })
  out <- list(lavaan_version = as.character(packageVersion("lavaan")),
              psych_version = as.character(packageVersion("psych")),
              semtools_version = as.character(packageVersion("semTools")),
              r_version = R.version.string, case = case, model_file = model_file,
              data_file = data_file, n = nrow(Y), items = items,
              em_cov = unname(S), em_mean = unname(mu),
              lavcor_cov = unname(as.matrix(lc)),
              cfa_converged = lavInspect(fit, "converged"),
              cfa_n = lavInspect(fit, "nobs"),
              reliability = rel)
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
             file.path(ref_dir, paste0(case, ".json")))
  cat(case, ": n =", nrow(Y), ", EM iterations done\n")
}

one_case("telecom", "telecom.lav", "telecom_sim_missing.csv")
one_case("bfi_five", "bfi_five.lav", "bfi.csv")
