# Reference values for sampling-weighted multi-group CB-SEM with ordered items
# (csi_model.fit_multigroup(..., ordered=True, weights=), invariance(..., ordered=True,
# weights=)): lavaan 0.6-14's cfa(..., ordered =, group =, sampling.weights =,
# estimator = "WLSMV") on the Wu & Estabrook (2016) models semTools 0.5-6's measEq.syntax
# writes (as ../lavaan_ordinal_groups/make_reference.R). Run from the repository root:
#   Rscript tests/reference/lavaan_weights_groups_ordinal/make_reference.R
# Writes bfi_gender_weighted.csv, telecom5_weighted.csv, bfi_missing_weighted.csv and
# reference.json here.
suppressMessages({library(lavaan); library(semTools); library(jsonlite)})
stopifnot(as.character(packageVersion("lavaan")) == "0.6.14")
ref_dir <- "tests/reference/lavaan_weights_groups_ordinal"
src_dir <- "tests/reference/lavaan_ordinal_groups"

steps <- list(configural = character(0), thresholds = "thresholds",
              loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"))
fm_names <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
              "cfi.robust", "tli.robust", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
              "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
              "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "srmr")

ladder <- function(model, data, items, group, weights, missing = "listwise") {
  out <- list(model = model, items = items, group = group, missing = missing)
  fits <- list()
  for (s in names(steps)) {
    syn <- measEq.syntax(model, data = data, ordered = items, parameterization = "delta",
                         ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = group,
                         group.equal = steps[[s]])
    fit <- cfa(as.character(syn), data = data, ordered = items, group = group,
               estimator = "WLSMV", parameterization = "delta", sampling.weights = weights,
               missing = missing)
    fits[[s]] <- fit
    pe <- parameterEstimates(fit)
    pe$group_label <- lavInspect(fit, "group.label")[pe$group]
    fm <- fitMeasures(fit)
    out[[s]] <- list(
      converged = lavInspect(fit, "converged"),
      options = lavInspect(fit, "options")[c("estimator", "se", "test", "missing",
                                             "sampling.weights.normalization")],
      nobs = lavInspect(fit, "nobs"), weighted_nobs = unlist(fit@SampleStats@nobs),
      group_labels = lavInspect(fit, "group.label"),
      estimates = pe[pe$op != "==", c("group_label", "lhs", "op", "rhs", "est", "se")],
      fit = as.list(fm[intersect(fm_names, names(fm))]),
      shift = unname(lavInspect(fit, "test")$scaled.shifted$shift.parameter))
  }
  lrt <- list()
  nm <- names(steps)
  for (k in 2:length(nm)) {
    t <- lavTestLRT(fits[[nm[k - 1]]], fits[[nm[k]]])
    lrt[[nm[k]]] <- list(chisq = t$Chisq, df = t$Df, chisq_diff = t[["Chisq diff"]][2],
                         df_diff = t[["Df diff"]][2], pvalue = t[["Pr(>Chisq)"]][2],
                         heading = attr(t, "heading"))
  }
  out$lrt <- lrt
  out
}

# an informative design weight, deterministic: respondents whose first item is at or below
# its median count 1.5 times, times a factor 0.8 + 0.4 * ((37 i) mod 11) / 10 of row i
design <- function(first) {
  i <- seq_along(first)
  ifelse(first <= median(first), 1.5, 1) * (0.8 + 0.4 * ((37 * i) %% 11) / 10)
}

out <- list(lavaan = as.character(packageVersion("lavaan")),
            semTools = as.character(packageVersion("semTools")))
bfi_items <- c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5")
b <- read.csv(file.path(src_dir, "bfi_gender.csv"))
b$w <- design(b$A1)
write.csv(transform(b, w = sprintf("%.15g", w)), file.path(ref_dir, "bfi_gender_weighted.csv"),
          row.names = FALSE, quote = FALSE)
b <- read.csv(file.path(ref_dir, "bfi_gender_weighted.csv"))
out$bfi <- ladder("agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5",
                  b, bfi_items, "gender", "w")

tel <- read.csv(file.path(src_dir, "telecom5_operators.csv"))
tel_items <- setdiff(names(tel), "operator")
for (v in tel_items) tel[[v]] <- pmax(tel[[v]], 2)   # category 1 merged into 2 (4 categories)
tel$w <- design(tel$SAT1)
write.csv(transform(tel, w = sprintf("%.15g", w)), file.path(ref_dir, "telecom5_weighted.csv"),
          row.names = FALSE, quote = FALSE)
tel <- read.csv(file.path(ref_dir, "telecom5_weighted.csv"))
out$telecom <- ladder("QUAL =~ QUAL1 + QUAL2 + QUAL3 + QUAL4\nSAT =~ SAT1 + SAT2 + SAT3\nLOY =~ LOY1 + LOY2 + LOY3",
                      tel, tel_items, "operator", "w")
# missing answers, pairwise deletion (lavaan's missing = "pairwise"): psych's bfi with its
# incomplete rows (../../data/bfi.csv), the design weight from age (at or below the median
# 1.5 times)
bp <- read.csv("tests/data/bfi.csv")[, c(bfi_items, "gender", "age")]
bp <- bp[rowSums(!is.na(bp[, bfi_items])) > 0, ]
i <- seq_len(nrow(bp))
bp$w <- ifelse(bp$age <= median(bp$age), 1.5, 1) * (0.8 + 0.4 * ((37 * i) %% 11) / 10)
bp$age <- NULL
write.csv(transform(bp, w = sprintf("%.15g", w)), file.path(ref_dir, "bfi_missing_weighted.csv"),
          row.names = FALSE, quote = FALSE, na = "")
bp <- read.csv(file.path(ref_dir, "bfi_missing_weighted.csv"))
out$bfi_pairwise <- ladder("agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5",
                           bp, bfi_items, "gender", "w", missing = "pairwise")

# the unweighted configural bfi fit, to show the weights change it
fit0 <- cfa(as.character(measEq.syntax(
  "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5", data = b,
  ordered = bfi_items, parameterization = "delta", ID.fac = "std.lv",
  ID.cat = "Wu.Estabrook.2016", group = "gender")), data = b, ordered = bfi_items,
  group = "gender", estimator = "WLSMV", parameterization = "delta")
out$bfi_unweighted <- list(fit = as.list(fitMeasures(fit0, c("chisq", "df", "chisq.scaled"))))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, dataframe = "columns",
                  na = "string"), file.path(ref_dir, "reference.json"))
cat("written", file.path(ref_dir, "reference.json"), "\n")
