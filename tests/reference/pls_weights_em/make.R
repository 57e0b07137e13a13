# Reference for csi_model's weighted EM (fit_pls(..., weights = "w", missing = "em")).
#
# Run from the repository root:
#     Rscript tests/reference/pls_weights_em/make.R
#
# Data: data.csv in this folder (written by make_data.py: 240 rows of the simulated weighted
# telecom survey, 24 items on 1-10 with missing answers, weight column w).
# Writes reference.json with the weighted ML (EM) means and covariance matrix (divisor sum of
# weights) of the 24 items, by two independent computations:
#  - "textbook": a weighted EM written here, row by row, in the sufficient-statistics form
#    (E-step: x_m = mu_m + S_mo S_oo^-1 (x_o - mu_o), C_mm = S_mm - S_mo S_oo^-1 S_om;
#    M-step: mu = sum w x / sum w, Sigma = sum w (x x' + C) / sum w - mu mu'), started from
#    the item means and variances of the answers, stopped when no moment changes by more than 1e-12;
#  - "lavaan": lavaan 0.6-14's own EM of the h1 model with case weights
#    (lavaan:::lav_mvnorm_missing_h1_estimate_moments(Y, wt = w), the saturated model of
#    missing = "ml" with sampling.weights), run to tol = 1e-13.
# Needs: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
ref_dir <- file.path("tests", "reference", "pls_weights_em")
if (!dir.exists(ref_dir)) stop("Run this script from the repository root.")
d <- read.csv(file.path(ref_dir, "data.csv"), na.strings = c("", "NA"))
items <- setdiff(names(d), "w")
Y <- as.matrix(d[, items])
w <- d$w

weighted_em <- function(Y, w, tol = 1e-12, max_iter = 5000L) {
  p <- ncol(Y)
  obs <- !is.na(Y)
  mu <- sapply(seq_len(p), function(j) sum(w[obs[, j]] * Y[obs[, j], j]) / sum(w[obs[, j]]))
  S <- diag(sapply(seq_len(p), function(j)
    sum(w[obs[, j]] * (Y[obs[, j], j] - mu[j])^2) / sum(w[obs[, j]])), p)
  for (it in seq_len(max_iter)) {
    T1 <- numeric(p)
    T2 <- matrix(0, p, p)
    for (i in seq_len(nrow(Y))) {
      o <- obs[i, ]
      x <- Y[i, ]
      C <- matrix(0, p, p)
      if (!all(o)) {
        m <- !o
        B <- S[m, o, drop = FALSE] %*% solve(S[o, o, drop = FALSE])
        x[m] <- mu[m] + B %*% (x[o] - mu[o])
        C[m, m] <- S[m, m, drop = FALSE] - B %*% S[o, m, drop = FALSE]
      }
      T1 <- T1 + w[i] * x
      T2 <- T2 + w[i] * (tcrossprod(x) + C)
    }
    mu_new <- T1 / sum(w)
    S_new <- T2 / sum(w) - tcrossprod(mu_new)
    change <- max(abs(mu_new - mu), abs(S_new - S))
    mu <- mu_new
    S <- S_new
    if (change < tol) break
  }
  list(mu = mu, Sigma = S, iterations = it, change = change)
}

tb <- weighted_em(Y, w)
lv <- lavaan:::lav_mvnorm_missing_h1_estimate_moments(Y = Y, wt = w, max.iter = 100000L,
                                                       tol = 1e-13)
named <- function(S) { S <- unname(S); lapply(seq_len(nrow(S)), function(i) S[i, ]) }
out <- list(
  r_version = R.version.string,
  lavaan_version = as.character(packageVersion("lavaan")),
  items = items, n = nrow(Y), n_missing = sum(is.na(Y)),
  textbook = list(mu = tb$mu, Sigma = named(tb$Sigma), iterations = tb$iterations,
                  last_change = tb$change),
  lavaan = list(mu = as.numeric(lv$Mu), Sigma = named(lv$Sigma)))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(ref_dir, "reference.json"))
cat("textbook EM:", tb$iterations, "iterations; max |textbook - lavaan| =",
    max(abs(tb$Sigma - lv$Sigma)), max(abs(tb$mu - lv$Mu)), "\n")
