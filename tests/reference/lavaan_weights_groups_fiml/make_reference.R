# Reference values for sampling-weighted multi-group CB-SEM with missing answers
# (csi_model.fit_multigroup(..., weights=, missing="fiml"), invariance(..., weights=,
# missing="fiml")): lavaan 0.6-14's group= with sampling.weights= and missing = "ml".
# Run from the repository root:
#   Rscript tests/reference/lavaan_weights_groups_fiml/make_reference.R
# Writes hs_weighted_missing.csv (../lavaan_weights_groups/hs_weighted.csv with answers
# removed by a fixed rule, below) and reference.json here. lavaan 0.6-14 with
# sampling.weights: estimator ML becomes MLR (robust.huber.white SEs with the observed
# information, yuan.bentler.mplus test); the weights are normalized over all groups together
# (sampling.weights.normalization = "total") and a group's N is the sum of its weights; with
# missing = "ml" the robust CFI/TLI/RMSEA are the FIML-corrected ones (lav_fit_fiml_corrected).
suppressMessages({library(lavaan); library(jsonlite)})
stopifnot(as.character(packageVersion("lavaan")) == "0.6.14")
ref_dir <- "tests/reference/lavaan_weights_groups_fiml"
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")

# ---- the weighted HolzingerSwineford1939 with missing answers: item j (1..9) of row i
# (1-based) is removed when (31 i + 17 j) %% 13 == 0 or (7 i + 5 j) %% 17 == 0 (no row
# loses all its answers)
hs <- read.csv("tests/reference/lavaan_weights_groups/hs_weighted.csv")
for (j in 1:9) {
  i <- seq_len(nrow(hs))
  drop <- ((31 * i + 17 * j) %% 13 == 0) | ((7 * i + 5 * j) %% 17 == 0)
  hs[drop, paste0("x", j)] <- NA
}
stopifnot(all(rowSums(!is.na(hs[, paste0("x", 1:9)])) > 0))
out_csv <- hs[, c(paste0("x", 1:9), "school", "w")]
for (v in c(paste0("x", 1:9), "w")) out_csv[[v]] <- ifelse(is.na(out_csv[[v]]), "",
                                                           sprintf("%.15g", out_csv[[v]]))
write.csv(out_csv, file.path(ref_dir, "hs_weighted_missing.csv"), row.names = FALSE,
          quote = FALSE)
hs <- read.csv(file.path(ref_dir, "hs_weighted_missing.csv"))

measures <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
              "cfi.robust", "tli.robust", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
              "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
              "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "srmr",
              "logl", "unrestricted.logl", "aic", "bic")
one <- function(f) {
  pe <- parameterEstimates(f, remove.nonfree = FALSE)
  list(options = lavInspect(f, "options")[c("estimator", "se", "test", "information",
                                            "missing", "sampling.weights.normalization")],
       nobs = unlist(lavInspect(f, "nobs")),
       weighted_nobs = unlist(f@SampleStats@nobs),
       groups = lavInspect(f, "group.label"),
       estimates = pe[, c("lhs", "op", "rhs", "group", "est", "se")],
       fit = as.list(fitMeasures(f, measures)))
}
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))
ladder <- function(model, data, group, weights, steps, ...) {
  fits <- lapply(steps, function(eq) sem(model, data = data, group = group,
                                         group.equal = eq, sampling.weights = weights,
                                         missing = "ml", ...))
  lrt <- lapply(2:length(fits), function(i) {
    t <- lavTestLRT(fits[[i - 1]], fits[[i]])   # default method for MLR: satorra.bentler.2001
    list(from = names(fits)[i - 1], to = names(fits)[i], chisq_diff = t[2, "Chisq diff"],
         df_diff = t[2, "Df diff"], pvalue = t[2, "Pr(>Chisq)"],
         method = attr(t, "heading"))
  })
  list(fits = lapply(fits, one), lrt = lrt)
}

out <- list(lavaan = as.character(packageVersion("lavaan")))
hs_model <- read_model("tests/reference/lavaan/holzinger.lav")
out$holzinger <- ladder(hs_model, hs, "school", "w", steps)
# the unweighted FIML configural fit (ML), to show the weights change it
out$holzinger_unweighted <- one(cfa(hs_model, data = hs, group = "school", missing = "ml"))

# complete data with missing = "ml": the FIML-corrected robust CFI/TLI/RMSEA differ from
# the listwise fit's (../lavaan_weights_groups/), the rest is the same
hs_complete <- read.csv("tests/reference/lavaan_weights_groups/hs_weighted.csv")
out$holzinger_complete_metric <- one(cfa(hs_model, data = hs_complete, group = "school",
                                         group.equal = "loadings", sampling.weights = "w",
                                         missing = "ml"))

# ---- the simulated telecom survey with its weight (../../data/telecom_weighted.csv), answers
# removed by the same rule (items j = 1..24 in column order), two groups by row parity
tel <- read.csv("tests/data/telecom_weighted.csv")
items <- setdiff(names(tel), "w")
for (j in seq_along(items)) {
  i <- seq_len(nrow(tel))
  drop <- ((31 * i + 17 * j) %% 13 == 0) | ((7 * i + 5 * j) %% 17 == 0)
  tel[drop, items[j]] <- NA
}
stopifnot(all(rowSums(!is.na(tel[, items])) > 0))
tel_csv <- tel
for (v in names(tel_csv)) tel_csv[[v]] <- ifelse(is.na(tel_csv[[v]]), "",
                                                 sprintf("%.15g", tel_csv[[v]]))
write.csv(tel_csv, file.path(ref_dir, "telecom_weighted_missing.csv"), row.names = FALSE,
          quote = FALSE)
tel <- read.csv(file.path(ref_dir, "telecom_weighted_missing.csv"))
tel$op <- ifelse(seq_len(nrow(tel)) %% 2 == 1, "A", "B")
tel_model <- read_model("tests/reference/lavaan/telecom.lav")
out$telecom <- ladder(tel_model, tel, "op", "w", steps[1:2])

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null",
                  dataframe = "rows"), file.path(ref_dir, "reference.json"))
cat("written", file.path(ref_dir, "reference.json"), "\n")
