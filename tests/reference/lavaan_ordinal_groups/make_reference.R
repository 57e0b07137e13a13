# Reference values for multi-group ordinal CB-SEM and the invariance ladder for ordered items
# (tests/test_ordinal_groups.py). lavaan 0.6-14, semTools 0.5-6 (Debian's r-cran-*).
# Run from this folder: Rscript make_reference.R
# Data:
#  * bfi_gender.csv: psych's bfi, items A1-A5, C1-C5 (6 categories) and gender (1 = male,
#    2 = female), complete rows only (2,632 of 2,800; every category is used in both groups,
#    so nothing is collapsed);
#  * telecom5_operators.csv: csi_model.simulate_survey("telecom", n=400, seed=21/22/23,
#    scale=(1, 5)) for operators A/B/C, 10 items, SAT1 of every third respondent of C moved one
#    category up (threshold non-invariance). Category 1 has 0-5 answers per operator, so it is
#    collapsed with category 2 before fitting (x = max(x, 2): 4 categories), here and in the test.
# Steps as semTools' measEq.syntax writes them with ID.fac = "std.lv",
# ID.cat = "Wu.Estabrook.2016", parameterization = "delta" and group.equal = the cumulated list.
suppressMessages({library(lavaan); library(semTools); library(psych); library(jsonlite)})

steps <- list(configural = character(0), thresholds = "thresholds",
              loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"))
fm_names <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
              "cfi.robust", "tli.robust", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
              "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
              "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "srmr")

ladder <- function(model, data, items, group) {
  out <- list(model = model, items = items, group = group)
  fits <- list()
  for (s in names(steps)) {
    syn <- measEq.syntax(model, data = data, ordered = items, parameterization = "delta",
                         ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = group,
                         group.equal = steps[[s]])
    fit <- cfa(as.character(syn), data = data, ordered = items, group = group,
               estimator = "WLSMV", parameterization = "delta")
    fits[[s]] <- fit
    pe <- parameterEstimates(fit)
    pe$group_label <- lavInspect(fit, "group.label")[pe$group]
    fm <- fitMeasures(fit)
    catml <- lavaan:::lav_fit_catml_dwls(fit)
    out[[s]] <- list(
      syntax = as.character(syn), converged = lavInspect(fit, "converged"),
      nobs = lavInspect(fit, "nobs"), group_labels = lavInspect(fit, "group.label"),
      estimates = pe[pe$op != "==", c("group_label", "lhs", "op", "rhs", "est", "se")],
      fit = as.list(fm[intersect(fm_names, names(fm))]),
      shift = unname(lavInspect(fit, "test")$scaled.shifted$shift.parameter),
      catml = catml[c("XX3", "df3", "c.hat3", "XX3.null", "df3.null", "c.hat3.null")])
  }
  lrt <- list()
  nm <- names(steps)
  for (k in 2:length(nm)) {
    t <- lavTestLRT(fits[[nm[k - 1]]], fits[[nm[k]]])
    t2 <- lavTestLRT(fits[[nm[k - 1]]], fits[[nm[k]]], method = "satorra.2000")
    stopifnot(isTRUE(all.equal(t[["Chisq diff"]], t2[["Chisq diff"]])))
    lrt[[nm[k]]] <- list(chisq = t$Chisq, df = t$Df, chisq_diff = t[["Chisq diff"]][2],
                         df_diff = t[["Df diff"]][2], pvalue = t[["Pr(>Chisq)"]][2],
                         heading = attr(t, "heading"))
  }
  out$lrt <- lrt
  out
}

out <- list(lavaan = as.character(packageVersion("lavaan")),
            semTools = as.character(packageVersion("semTools")))
bfi_items <- c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5")
b <- psych::bfi[, c(bfi_items, "gender")]
b <- b[complete.cases(b), ]
write.csv(b, "bfi_gender.csv", row.names = FALSE)
out$bfi <- ladder("agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5",
                  b, bfi_items, "gender")

tel <- read.csv("telecom5_operators.csv")
tel_items <- setdiff(names(tel), "operator")
for (v in tel_items) tel[[v]] <- pmax(tel[[v]], 2)
out$telecom <- ladder("QUAL =~ QUAL1 + QUAL2 + QUAL3 + QUAL4\nSAT =~ SAT1 + SAT2 + SAT3\nLOY =~ LOY1 + LOY2 + LOY3",
                      tel, tel_items, "operator")

# defined parameters with ordered items (one group): delta-method SEs from the robust acov
d10 <- b[, bfi_items]
defined <- "agree =~ A1 + a2*A2 + a3*A3 + A4 + A5
consc =~ C1 + c2*C2 + C3 + C4 + C5
agree ~~ r*consc
ratio := a3 / a2
diff := a3 - c2
prod := r * a2 * c2"
fit <- cfa(defined, data = d10, ordered = TRUE, estimator = "WLSMV")
pe <- parameterEstimates(fit)
out$defined <- list(model = defined, items = bfi_items,
                    estimates = pe[, c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
                                       "ci.lower", "ci.upper")])
# robust CFI/TLI/RMSEA of the single-group two-factor bfi model (0.6-14 computes them)
fit2 <- cfa("agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5", data = d10,
            ordered = TRUE, estimator = "WLSMV")
out$robust_single <- list(
  fit = as.list(fitMeasures(fit2, c("cfi.robust", "tli.robust", "rmsea.robust",
                                    "rmsea.ci.lower.robust", "rmsea.ci.upper.robust"))),
  catml = lavaan:::lav_fit_catml_dwls(fit2))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, dataframe = "columns",
                  na = "string"), "ordinal_groups.json")
