# Reference values for ordered items with missing answers (missing = "pairwise") and with
# sampling weights (sampling.weights) in csi_model (tests/test_ordinal_missing.py).
# lavaan 0.6-14 (Debian's r-cran-lavaan). Run from this folder: Rscript make_reference.R
# Data:
#  * ../../data/bfi.csv: psych's bfi, items A1-A5, C1-C5 with their real missing answers
#    (168 of 2,800 respondents miss at least one of the ten);
#  * ../lavaan_weights/bfi_weights.csv: the post-stratification weight of bfi by gender x
#    education (built and described in ../lavaan_weights);
#  * telecom5_missing.csv (written here): ../lavaan_ordinal/telecom5.csv (the simulated
#    telecom survey recoded to 5 categories, n = 1,000) without COMP1, each answer set missing
#    with probability 0.03 (set.seed(14), runif).
suppressMessages({library(lavaan); library(semTools); library(jsonlite)})
stopifnot(as.character(packageVersion("lavaan")) == "0.6.14")

bfi <- read.csv("../../data/bfi.csv")
bfi$w <- as.numeric(read.csv("../lavaan_weights/bfi_weights.csv")$w)
d10 <- bfi[, c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5", "w", "gender")]

tel <- read.csv("../lavaan_ordinal/telecom5.csv")
tel <- tel[, setdiff(names(tel), "COMP1")]
set.seed(14)
mask <- matrix(runif(nrow(tel) * ncol(tel)) < 0.03, nrow(tel))
tel[mask] <- NA
write.csv(tel, "telecom5_missing.csv", row.names = FALSE, na = "")
tel <- read.csv("telecom5_missing.csv")

fm_names <- c("npar", "nobs", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled",
              "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.df",
              "baseline.chisq.scaled", "baseline.chisq.scaling.factor", "cfi", "tli",
              "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust", "rmsea",
              "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.scaled", "rmsea.robust", "srmr")
run <- function(model, data, moments = FALSE, ...) {
  fit <- sem(model, data = data, ordered = TRUE, ...)
  pe <- parameterEstimates(fit, standardized = TRUE)
  fm <- fitMeasures(fit)
  out <- list(
    model = model, n = lavInspect(fit, "nobs"), items = lavNames(fit, "ov"),
    options = lavInspect(fit, "options")[c("estimator", "missing", "se", "test")],
    estimates = pe[, c("lhs", "op", "rhs", "est", "se", "z", "pvalue", "std.all")],
    fit = as.list(fm[intersect(fm_names, names(fm))]),
    shift = unname(lavInspect(fit, "test")$scaled.shifted$shift.parameter),
    wls_obs = unname(lavInspect(fit, "wls.obs"))
  )
  if (moments) out$gamma <- unname(lavInspect(fit, "gamma"))   # NACOV
  out
}
two <- "agree =~ A1 + A2 + A3 + A4 + A5\n consc =~ C1 + C2 + C3 + C4 + C5"
telecom <- "
IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
EXPE =~ EXPE1 + EXPE2 + EXPE3
QUAL =~ QUAL1 + QUAL2 + QUAL3 + QUAL4 + QUAL5 + QUAL6 + QUAL7
VAL  =~ VAL1 + VAL2
SAT  =~ SAT1 + SAT2 + SAT3
LOY  =~ LOY1 + LOY2 + LOY3
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ SAT + IMAG"
items10 <- c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5")
out <- list(lavaan = as.character(packageVersion("lavaan")))
# 1. missing answers: pairwise
out$bfi_pairwise <- run(two, d10[, items10], moments = TRUE, missing = "pairwise")
out$bfi_pairwise_ulsmv <- run(two, d10[, items10], missing = "pairwise", estimator = "ULSMV")
out$telecom_pairwise <- run(telecom, tel, missing = "pairwise")
out$bfi_listwise <- run(two, d10[, items10])               # the default, for the dropped count
# (telecom5_missing.csv listwise keeps 455 rows, where IMAG1 has no answer in category 1:
# lavaan stops, "some categories of variable IMAG1 are empty")
# respondents without any answer are dropped ("some cases are empty and will be ignored")
d_empty <- d10[, items10]
d_empty[c(1, 2, 3), ] <- NA
out$bfi_pairwise_empty <- run(two, d_empty, missing = "pairwise")
# 2. sampling weights (listwise, the default, and pairwise)
out$bfi_weighted <- run(two, d10[, c(items10, "w")], moments = TRUE, sampling.weights = "w")
out$bfi_weighted_pairwise <- run(two, d10[, c(items10, "w")], sampling.weights = "w",
                                 missing = "pairwise")
# 3. several groups: the Wu & Estabrook (2016) ladder by gender with missing = "pairwise",
# models as in ../lavaan_ordinal_groups (semTools' measEq.syntax, ID.fac = "std.lv",
# ID.cat = "Wu.Estabrook.2016"); lavTestLRT between the steps
steps <- list(configural = character(0), thresholds = "thresholds",
              loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"))
gdata <- d10[, c(items10, "gender")]
ladder <- list(model = two, items = items10, group = "gender")
gfits <- list()
for (s in names(steps)) {
  syn <- measEq.syntax(two, data = gdata, ordered = items10, parameterization = "delta",
                       ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = "gender",
                       group.equal = steps[[s]])
  fit <- cfa(as.character(syn), data = gdata, ordered = items10, group = "gender",
             estimator = "WLSMV", parameterization = "delta", missing = "pairwise")
  gfits[[s]] <- fit
  pe <- parameterEstimates(fit)
  pe$group_label <- lavInspect(fit, "group.label")[pe$group]
  fm <- fitMeasures(fit)
  ladder[[s]] <- list(
    converged = lavInspect(fit, "converged"), nobs = lavInspect(fit, "nobs"),
    options = lavInspect(fit, "options")[c("estimator", "missing", "se", "test")],
    estimates = pe[pe$op != "==", c("group_label", "lhs", "op", "rhs", "est", "se")],
    fit = as.list(fm[intersect(c(fm_names, "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled"),
                               names(fm))]),
    shift = unname(lavInspect(fit, "test")$scaled.shifted$shift.parameter))
}
lrt <- list()
for (k in 2:length(steps)) {
  t <- lavTestLRT(gfits[[k - 1]], gfits[[k]])
  lrt[[names(steps)[k]]] <- list(chisq_diff = t[["Chisq diff"]][2], df_diff = t[["Df diff"]][2],
                                 pvalue = t[["Pr(>Chisq)"]][2], heading = attr(t, "heading"))
}
ladder$lrt <- lrt
out$groups_pairwise <- ladder
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, dataframe = "columns",
                  na = "string"),
           "reference.json")
