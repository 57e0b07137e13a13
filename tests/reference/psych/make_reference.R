# Reference results of psych, semTools and lavaan for csi_model's measurement-model tests.
#
# Run from the repository root:
#     Rscript tests/reference/psych/make_reference.R
#
# For each case below it reads the survey (tests/data/*.csv) and the model's measurement part
# (the '=~' lines of the .lav file), and writes tests/reference/psych/<case>.json with
#   psych 2.2:     alpha() per latent, KMO(), cortest.bartlett(), fa() (minres/ml; oblimin,
#                  promax, varimax), fa.parallel() (observed eigenvalues; the simulated ones
#                  are random and only documented);
#   semTools 0.5:  compRelSEM() (omega, obs.var = TRUE and FALSE), AVE(), htmt() (HTMT and HTMT2);
#   lavaan 0.6-14: cfa() of the measurement model, its standardized loadings with CIs,
#                  fit measures, modindices() and residuals (standardized and normalized);
#   by hand:       rho_c (Fornell & Larcker 1981) from lavaan's standardized loadings.
#
# Needs: psych, semTools, lavaan, GPArotation, jsonlite (Debian: r-cran-psych r-cran-semtools
# r-cran-lavaan r-cran-gparotation r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(psych)
  library(semTools)
  library(GPArotation)
  library(jsonlite)
})

ref_dir  <- file.path("tests", "reference", "psych")
data_dir <- file.path("tests", "data")
if (!dir.exists(ref_dir) || !dir.exists(data_dir)) {
  stop("Run this script from the repository root: Rscript tests/reference/psych/make_reference.R")
}

named_list <- function(x) {
  out <- as.list(unname(as.numeric(x)))
  names(out) <- names(x)
  out
}
matrix_rows <- function(m) {   # a matrix -> list of named rows
  m <- as.matrix(m)
  out <- lapply(seq_len(nrow(m)), function(i) named_list(setNames(m[i, ], colnames(m))))
  names(out) <- rownames(m)
  out
}

measurement_syntax <- function(model_file) {
  lines <- readLines(model_file, warn = FALSE)
  lines <- sub("#.*$", "", lines)
  paste(lines[grepl("=~", lines)], collapse = "\n")
}

blocks_of <- function(syntax) {
  pt <- lavaanify(syntax)
  pt <- pt[pt$op == "=~", ]
  lv <- unique(pt$lhs)
  setNames(lapply(lv, function(f) pt$rhs[pt$lhs == f]), lv)
}

fa_solution <- function(x, nf, fm, rotate) {
  f <- suppressWarnings(suppressMessages(fa(x, nfactors = nf, fm = fm, rotate = rotate)))
  L <- unclass(f$loadings)
  list(fm = fm, rotate = rotate, nfactors = nf,
       loadings = matrix_rows(L),
       communalities = named_list(f$communality),
       phi = if (is.null(f$Phi)) NULL else matrix_rows(f$Phi),
       values = as.numeric(f$values))
}

run_case <- function(case, model_file, data_file, nfactors) {
  syntax <- measurement_syntax(model_file)
  blocks <- blocks_of(syntax)
  data <- read.csv(file.path(data_dir, data_file))
  items <- unlist(blocks, use.names = FALSE)
  x <- data[, items]
  n <- nrow(x)
  R <- cor(x)

  # psych: reliability per latent (multi-item blocks; alpha of one item is undefined)
  rel <- list()
  for (lv in names(blocks)) {
    it <- blocks[[lv]]
    if (length(it) < 2) next
    a <- suppressWarnings(suppressMessages(psych::alpha(x[, it], check.keys = FALSE)))
    rel[[lv]] <- list(
      raw_alpha = a$total$raw_alpha,
      std_alpha = a$total$std.alpha,
      alpha_if_deleted = named_list(setNames(a$alpha.drop$raw_alpha, rownames(a$alpha.drop))),
      r_drop = named_list(setNames(a$item.stats$r.drop, rownames(a$item.stats))))
  }

  k <- KMO(x)
  bt <- cortest.bartlett(R, n = n)
  efa <- list(
    fa_solution(x, nfactors, "minres", "oblimin"),
    fa_solution(x, nfactors, "ml", "oblimin"),
    fa_solution(x, nfactors, "minres", "varimax"),
    fa_solution(x, nfactors, "minres", "promax"))
  set.seed(1)
  pa <- suppressWarnings(suppressMessages(fa.parallel(x, fm = "minres", fa = "both",
                                                      n.iter = 20, plot = FALSE)))

  # lavaan CFA of the measurement model (latent covariances free)
  fit <- cfa(syntax, data = data)
  ss <- standardizedSolution(fit)
  lam <- ss[ss$op == "=~", c("lhs", "op", "rhs", "est.std", "se", "ci.lower", "ci.upper")]
  rho_c <- list()
  for (lv in names(blocks)) {
    l <- lam$est.std[lam$lhs == lv]
    if (length(l) < 2) next
    rho_c[[lv]] <- sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
  }
  mi <- modindices(fit, sort. = TRUE)
  mi <- mi[, c("lhs", "op", "rhs", "mi", "epc", "sepc.all")]
  r_st <- residuals(fit, type = "standardized")$cov
  r_no <- residuals(fit, type = "normalized")$cov
  omega <- compRelSEM(fit)
  omega_fitted <- compRelSEM(fit, obs.var = FALSE)
  ave <- AVE(fit)
  ave_all <- AVE(fit, dropSingle = FALSE)  # semTools 0.5-6 misaligns names after dropping a single-item factor
  ht <- htmt(syntax, data = data, htmt2 = FALSE)
  ht2 <- htmt(syntax, data = data, htmt2 = TRUE)

  out <- list(
    case = case,
    versions = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                    semTools = as.character(packageVersion("semTools")),
                    lavaan = as.character(packageVersion("lavaan")),
                    GPArotation = as.character(packageVersion("GPArotation"))),
    model_file = model_file,
    data_file = file.path(data_dir, data_file),
    measurement_syntax = syntax,
    n = n,
    reliability = rel,
    kmo = list(overall = k$MSA, items = named_list(k$MSAi)),
    bartlett = list(chisq = bt$chisq, df = bt$df, p_value = bt$p.value),
    efa = efa,
    parallel = list(call = "set.seed(1); fa.parallel(x, fm = 'minres', fa = 'both', n.iter = 20)",
                    pc_values = as.numeric(pa$pc.values), fa_values = as.numeric(pa$fa.values),
                    pc_sim = as.numeric(pa$pc.sim), fa_sim = as.numeric(pa$fa.sim),
                    nfact = pa$nfact, ncomp = pa$ncomp),
    cfa = list(call = "cfa(measurement_syntax, data = data)",
               fit_measures = named_list(fitMeasures(fit, c("chisq", "df", "pvalue", "cfi",
                                                           "tli", "rmsea", "srmr"))),
               std_loadings = lam,
               rho_c = rho_c,
               omega = named_list(omega),
               omega_fitted = named_list(omega_fitted),
               ave = named_list(ave),
               ave_all = named_list(ave_all),
               modindices = mi,
               residuals_standardized = matrix_rows(r_st),
               residuals_normalized = matrix_rows(r_no)),
    htmt = matrix_rows(ht),
    htmt2 = matrix_rows(ht2)
  )
  json <- toJSON(out, dataframe = "rows", auto_unbox = TRUE, digits = NA, na = "null",
                 null = "null", pretty = TRUE)
  writeLines(json, file.path(ref_dir, paste0(case, ".json")), useBytes = TRUE)
  cat(sprintf("%-12s n=%4d  KMO=%.4f  Bartlett=%.3f  top MI: %s %s %s = %.3f\n", case, n,
              k$MSA, bt$chisq, mi$lhs[1], mi$op[1], mi$rhs[1], mi$mi[1]))
}

run_case("holzinger", file.path("tests", "reference", "lavaan", "holzinger.lav"),
         "holzinger_swineford.csv", 3)
run_case("telecom_sim", file.path("models", "telecom.lav"), "telecom_sim.csv", 6)
run_case("ecsi_mobi", file.path("models", "ecsi_mobi.lav"), "ecsi_mobi.csv", 6)
