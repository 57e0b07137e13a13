# Reference values for the modification indices and the score tests of the equality
# constraints of a sampling-weighted multi-group CB-SEM (csi_model's
# MultiGroupResult.modification_indices() / .equality_score_tests() with weights=):
# lavaan 0.6-14's modindices() and lavTestScore() of group= + sampling.weights= fits.
# Run from the repository root:
#   Rscript tests/reference/lavaan_weights_groups_mi/make.R
# Data: the weighted HolzingerSwineford1939 of ../lavaan_weights_groups/hs_weighted.csv
# (by school) and tests/data/telecom_weighted.csv (two groups by row parity), as
# ../lavaan_weights_groups/make_reference.R. Writes reference.json here.
suppressMessages({library(lavaan); library(jsonlite)})
stopifnot(as.character(packageVersion("lavaan")) == "0.6.14")
ref_dir <- "tests/reference/lavaan_weights_groups_mi"
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")

mi_of <- function(f) {
  mi <- modindices(f)          # information = "expected" (its default), na.remove = TRUE
  mi[, c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all", "sepc.nox")]
}
# lavTestScore() of a robust (se = "robust.huber.white") fit warns that it falls back to the
# ordinary score test (expected information): recorded in 'warning'
score_of <- function(f) {
  pt <- parTable(f)
  where <- function(pl) {
    r <- pt[pt$plabel == pl, ]
    list(group = r$group, lhs = r$lhs, op = r$op, rhs = r$rhs)
  }
  warn <- NULL
  s <- withCallingHandlers(lavTestScore(f), warning = function(w) {
    warn <<- conditionMessage(w); invokeRestart("muffleWarning")})
  rows <- lapply(seq_len(nrow(s$uni)), function(i) {
    list(a = where(s$uni$lhs[i]), b = where(s$uni$rhs[i]), X2 = s$uni$X2[i],
         df = s$uni$df[i], pvalue = s$uni$p.value[i])
  })
  list(total = as.list(s$test), uni = rows, warning = warn)
}
case <- function(f, score = TRUE) {
  out <- list(options = lavInspect(f, "options")[c("estimator", "se", "test", "information",
                                                   "missing")],
              groups = lavInspect(f, "group.label"), nobs = unlist(lavInspect(f, "nobs")),
              weighted_nobs = unlist(f@SampleStats@nobs), chisq = fitMeasures(f, "chisq"),
              modindices = mi_of(f),
              # lavaan's estimates (nlminb stops ~1e-5 from the optimum): csi_model's
              # modification indices and score tests at these values match to ~1e-7
              estimates = parameterEstimates(f, remove.nonfree = FALSE)[
                c("lhs", "op", "rhs", "group", "est")])
  if (score) out$score <- score_of(f)
  out
}

hs <- read.csv("tests/reference/lavaan_weights_groups/hs_weighted.csv")
hs_model <- read_model("tests/reference/lavaan/holzinger.lav")
tel <- read.csv("tests/data/telecom_weighted.csv")
tel$op <- ifelse(seq_len(nrow(tel)) %% 2 == 1, "A", "B")
tel_model <- read_model("tests/reference/lavaan/telecom.lav")
hs_x <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
textual ~ visual + ageyr'

fit <- function(model, data, group, eq, ...)
  cfa(model, data = data, group = group, group.equal = eq, sampling.weights = "w", ...)
out <- list(lavaan = as.character(packageVersion("lavaan")))
out$holzinger_configural <- case(fit(hs_model, hs, "school", ""), score = FALSE)
out$holzinger_metric <- case(fit(hs_model, hs, "school", "loadings"))
out$holzinger_scalar <- case(fit(hs_model, hs, "school", c("loadings", "intercepts")))
out$holzinger_fixedx_metric <- case(fit(hs_x, hs, "school", "loadings"))
out$telecom_metric <- case(fit(tel_model, tel, "op", "loadings"))
out$telecom_scalar <- case(fit(tel_model, tel, "op", c("loadings", "intercepts")))

# weighted FIML (missing = "ml"): lavaan gives them too, with the expected information of
# the missing-data likelihood (lav_mvnorm_missing_information_expected: per pattern, at the
# implied moments, the patterns' weighted counts) and the gradient of the weighted FIML
# log-likelihood; and an unweighted FIML case beside it
fiml_dir <- "tests/reference/lavaan_weights_groups_fiml"
hs_m <- read.csv(file.path(fiml_dir, "hs_weighted_missing.csv"))
tel_m <- read.csv(file.path(fiml_dir, "telecom_weighted_missing.csv"))
tel_m$op <- ifelse(seq_len(nrow(tel_m)) %% 2 == 1, "A", "B")
out$fiml_holzinger_configural <- case(fit(hs_model, hs_m, "school", "", missing = "ml"),
                                      score = FALSE)
out$fiml_holzinger_metric <- case(fit(hs_model, hs_m, "school", "loadings", missing = "ml"))
out$fiml_holzinger_scalar <- case(fit(hs_model, hs_m, "school", c("loadings", "intercepts"),
                                      missing = "ml"))
out$fiml_telecom_metric <- case(fit(tel_model, tel_m, "op", "loadings", missing = "ml"))
out$fiml_holzinger_metric_unweighted <- case(cfa(hs_model, data = hs_m, group = "school",
                                                 group.equal = "loadings", missing = "ml"))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null",
                  dataframe = "columns"), file.path(ref_dir, "reference.json"))
cat("written", file.path(ref_dir, "reference.json"), "\n")
