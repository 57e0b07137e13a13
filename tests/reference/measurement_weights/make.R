# Reference values for sampling-weighted measurement-model assessment
# (csi_model.measurement(..., weights=)): psych, semTools and lavaan 0.6-14.
# Run from the repository root: Rscript tests/reference/measurement_weights/make.R
# Writes tests/reference/measurement_weights/reference.json.
#
# Weighted moments: the weights rescaled to sum to n, mean and covariance with divisor n
# (cov.wt(x, wt, method = "ML"), lavaan's sampling.weights moments); with missing answers the
# weighted EM of the saturated model (lavaan's h1 of cfa(..., missing = "ml",
# sampling.weights = "w"), lavInspect(fit, "sampstat")).
suppressPackageStartupMessages({
  library(lavaan); library(psych); library(semTools); library(GPArotation); library(jsonlite)
})
stopifnot(as.character(packageVersion("lavaan")) == "0.6.14")

named_list <- function(x) { out <- as.list(unname(as.numeric(x))); names(out) <- names(x); out }
matrix_rows <- function(m) {
  m <- as.matrix(m)
  out <- lapply(seq_len(nrow(m)), function(i) named_list(setNames(m[i, ], colnames(m))))
  names(out) <- rownames(m)
  out
}
measurement_syntax <- function(model_file) {
  lines <- sub("#.*$", "", readLines(model_file, warn = FALSE))
  paste(lines[grepl("=~", lines)], collapse = "\n")
}
blocks_of <- function(syntax) {
  pt <- lavaanify(syntax); pt <- pt[pt$op == "=~", ]
  lv <- unique(pt$lhs)
  setNames(lapply(lv, function(f) pt$rhs[pt$lhs == f]), lv)
}

run_case <- function(case, model_file, data, nfactors, missing = "listwise") {
  syntax <- measurement_syntax(model_file)
  blocks <- blocks_of(syntax)
  items <- unlist(blocks, use.names = FALSE)
  if (missing == "listwise") {
    data <- data[complete.cases(data[, items]), ]
    fit <- cfa(syntax, data = data, sampling.weights = "w")
    cw <- cov.wt(data[, items], wt = data$w / sum(data$w), method = "ML")
    S <- cw$cov; mu <- cw$center
    ss_fit <- lavInspect(fit, "sampstat")
    stopifnot(max(abs(ss_fit$cov[items, items] - S)) < 1e-10)
  } else {
    data <- data[rowSums(!is.na(data[, items])) > 0, ]
    fit <- cfa(syntax, data = data, sampling.weights = "w", missing = "ml")
    ss_fit <- lavInspect(fit, "sampstat")
    S <- ss_fit$cov[items, items]; mu <- ss_fit$mean[items]
  }
  n <- nrow(data)
  w <- data$w / sum(data$w) * n
  R <- cov2cor(S)
  rel <- list()
  for (lv in names(blocks)) {
    it <- blocks[[lv]]
    if (length(it) < 2) next
    a <- suppressWarnings(suppressMessages(psych::alpha(S[it, it], check.keys = FALSE)))
    rel[[lv]] <- list(
      raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
      alpha_if_deleted = if (length(it) > 2)
        named_list(setNames(a$alpha.drop$raw_alpha, rownames(a$alpha.drop))) else NULL,
      r_drop = named_list(setNames(a$item.stats$r.drop, rownames(a$item.stats))))
  }
  k <- KMO(R)
  bt <- cortest.bartlett(R, n = n)
  f <- suppressWarnings(suppressMessages(fa(r = R, nfactors = nfactors, n.obs = n,
                                            fm = "minres", rotate = "oblimin")))
  ss <- standardizedSolution(fit)
  lam <- ss[ss$op == "=~", c("lhs", "op", "rhs", "est.std", "se", "ci.lower", "ci.upper")]
  pe <- parameterEstimates(fit)
  rho_c <- list()
  for (lv in names(blocks)) {
    l <- lam$est.std[lam$lhs == lv]
    if (length(l) >= 2) rho_c[[lv]] <- sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
  }
  ht <- htmt(syntax, sample.cov = S, htmt2 = FALSE)
  ht2 <- htmt(syntax, sample.cov = S, htmt2 = TRUE)
  mi_all <- modindices(fit, sort. = TRUE)
  mi <- head(mi_all[, c("lhs", "op", "rhs", "mi", "epc", "sepc.all")], 30)   # the largest 30
  r_no <- tryCatch(matrix_rows(residuals(fit, type = "normalized")$cov),
                   error = function(e) NULL)
  list(
    case = case, missing = missing, n = n, kish_n_eff = sum(w)^2 / sum(w^2),
    items = items, cov = matrix_rows(S), mean = named_list(mu),
    reliability = rel,
    kmo = list(overall = k$MSA, items = named_list(k$MSAi)),
    bartlett = list(chisq = bt$chisq, df = bt$df, p_value = bt$p.value),
    eigenvalues = as.numeric(eigen(R, only.values = TRUE)$values),
    efa = list(call = "fa(r = R, nfactors, n.obs = n, fm = 'minres', rotate = 'oblimin')",
               nfactors = nfactors, loadings = matrix_rows(unclass(f$loadings)),
               communalities = named_list(f$communality),
               phi = if (is.null(f$Phi)) NULL else matrix_rows(f$Phi)),
    cfa = list(call = if (missing == "listwise") "cfa(syntax, data, sampling.weights = 'w')" else
                 "cfa(syntax, data, sampling.weights = 'w', missing = 'ml')",
               options = lavInspect(fit, "options")[c("estimator", "se", "test")],
               std_loadings = lam,
               loadings = pe[pe$op == "=~", c("lhs", "op", "rhs", "est", "se")],
               fit_measures = named_list(fitMeasures(fit, c("chisq", "df", "chisq.scaled",
                                                           "cfi", "tli", "rmsea", "srmr"))),
               rho_c = rho_c,
               omega = named_list(compRelSEM(fit)),
               ave = named_list(AVE(fit, dropSingle = FALSE)),
               n_modindices = nrow(mi_all), modindices = mi, residuals_normalized = r_no),
    htmt = matrix_rows(ht), htmt2 = matrix_rows(ht2))
}

out <- list(versions = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                            semTools = as.character(packageVersion("semTools")),
                            lavaan = as.character(packageVersion("lavaan")),
                            GPArotation = as.character(packageVersion("GPArotation"))))
bfi <- read.csv("tests/data/bfi.csv")
bfi$w <- as.numeric(read.csv("tests/reference/lavaan_weights/bfi_weights.csv")$w)
tel <- read.csv("tests/data/telecom_weighted.csv")
telm <- read.csv("tests/data/telecom_sim_missing.csv")
telm$w <- 0.5 + 0.3 * (seq_len(nrow(telm)) %% 5)
out$cases <- list(
  bfi = run_case("bfi", "tests/reference/lavaan_fiml/bfi_five.lav", bfi, 5),
  telecom = run_case("telecom", "models/telecom.lav", tel, 7),
  telecom_em = run_case("telecom_em", "models/telecom.lav", telm, 7, missing = "em"))
writeLines(toJSON(out, dataframe = "rows", auto_unbox = TRUE, digits = NA, na = "null",
                  null = "null", pretty = TRUE),
           "tests/reference/measurement_weights/reference.json", useBytes = TRUE)
