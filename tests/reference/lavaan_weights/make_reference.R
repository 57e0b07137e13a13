# Reference values for sampling-weighted CB-SEM (csi_model.fit(..., weights=)): lavaan 0.6-14.
# Run from the repository root: Rscript tests/reference/lavaan_weights/make_reference.R
# Writes tests/reference/lavaan_weights/bfi_weights.csv (the post-stratification weight of
# psych's bfi, one row per row of tests/data/bfi.csv) and reference.json.
suppressMessages({library(lavaan); library(jsonlite)})
stopifnot(as.character(packageVersion("lavaan")) == "0.6.14")
out <- list(lavaan = as.character(packageVersion("lavaan")))

# ---- bfi: post-stratification by gender x education to stated population margins
bfi <- read.csv("tests/data/bfi.csv")
edu <- ifelse(is.na(bfi$education), 0L, bfi$education)        # 0 = not answered
# population margins (stated, illustrative): gender 1 (male) 49 %, 2 (female) 51 %;
# education 1..5 = 10, 28, 30, 20, 12 % of those who answer; 'not answered' keeps its
# sample share. Cells: gender x education, target = product of the margins.
g_target <- c("1" = 0.49, "2" = 0.51)
p_na <- mean(edu == 0)
e_target <- c("0" = p_na, "1" = 0.10, "2" = 0.28, "3" = 0.30, "4" = 0.20, "5" = 0.12) *
  c(1, rep(1 - p_na, 5))
cell <- paste(bfi$gender, edu)
share <- table(cell) / nrow(bfi)
target <- g_target[as.character(bfi$gender)] * e_target[as.character(edu)]
bfi$w <- as.numeric(target / share[cell])
write.csv(data.frame(w = sprintf("%.15g", bfi$w)), "tests/reference/lavaan_weights/bfi_weights.csv",
          row.names = FALSE, quote = FALSE)
bfi$w <- as.numeric(read.csv("tests/reference/lavaan_weights/bfi_weights.csv")$w)

five <- '
Agree =~ A1 + A2 + A3 + A4 + A5
Consc =~ C1 + C2 + C3 + C4 + C5
Extra =~ E1 + E2 + E3 + E4 + E5
Neuro =~ N1 + N2 + N3 + N4 + N5
Open  =~ O1 + O2 + O3 + O4 + O5
'
measures <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled",
              "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
              "cfi.robust", "tli.robust", "rmsea", "rmsea.scaled", "rmsea.robust", "srmr",
              "logl", "unrestricted.logl", "aic", "bic")
one <- function(f) {
  pe <- parameterEstimates(f, remove.nonfree = FALSE)
  list(options = lavInspect(f, "options")[c("estimator", "se", "test", "information")],
       nobs = lavInspect(f, "nobs"),
       estimates = pe[, c("lhs", "op", "rhs", "est", "se")],
       fit = as.list(fitMeasures(f, measures)))
}
fits <- list()
for (e in c("ML", "MLR")) {
  fits[[paste0("bfi_", e)]] <- one(cfa(five, data = bfi, sampling.weights = "w", estimator = e))
}
# unweighted, for the test that the weights change something
fits[["bfi_unweighted_MLR"]] <- one(cfa(five, data = bfi, estimator = "MLR"))

# ---- the simulated telecom survey with its weight (tests/data/telecom_weighted.csv)
tel <- read.csv("tests/data/telecom_weighted.csv")
acsi <- paste(readLines("tests/reference/lavaan/telecom.lav"), collapse = "\n")
for (e in c("ML", "MLR")) {
  fits[[paste0("telecom_", e)]] <- one(sem(acsi, data = tel, sampling.weights = "w", estimator = e))
}
# ---- weighted FIML (missing = "ml"): bfi with its weight; the telecom survey with 5 % missing
# answers (tests/data/telecom_sim_missing.csv) with the deterministic weight 0.5 + 0.3 * (i mod 5)
for (e in c("ML", "MLR")) {
  fits[[paste0("bfi_fiml_", e)]] <- one(cfa(five, data = bfi, sampling.weights = "w",
                                            estimator = e, missing = "ml"))
}
telm <- read.csv("tests/data/telecom_sim_missing.csv")
telm$w <- 0.5 + 0.3 * (seq_len(nrow(telm)) %% 5)
for (e in c("ML", "MLR")) {
  fits[[paste0("telecom_fiml_", e)]] <- one(sem(acsi, data = telm, sampling.weights = "w",
                                                estimator = e, missing = "ml"))
}
out$fits <- fits
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/lavaan_weights/reference.json")
