# Reference values for ordinal CB-SEM (WLSMV) in csi_model (tests/test_ordinal.py).
# lavaan 0.6-14 (Debian's r-cran-lavaan). Run from this folder: Rscript make_reference.R
# Data: telecom5.csv (see below) and psych's bfi items (../polychoric/bfi_items.csv, written by ../polychoric/make_reference.R).
suppressMessages({library(lavaan); library(jsonlite)})
bfi <- read.csv("../polychoric/bfi_items.csv")

fm_names <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.scaled", "rmsea.robust", "srmr")
run <- function(model, data, moments = FALSE, ...) {
  fit <- sem(model, data = data, ordered = TRUE, ...)
  pe <- parameterEstimates(fit, standardized = TRUE)
  fm <- fitMeasures(fit)
  out <- list(
    model = model, n = lavInspect(fit, "nobs"), items = lavNames(fit, "ov"),
    estimates = pe[, c("lhs", "op", "rhs", "est", "se", "z", "pvalue", "std.all")],
    std_se = standardizedSolution(fit)[, c("lhs", "op", "rhs", "est.std", "se")],
    fit = as.list(fm[intersect(fm_names, names(fm))]),
    shift = unname(lavInspect(fit, "test")$scaled.shifted$shift.parameter),
    wls_obs = unname(lavInspect(fit, "wls.obs")),
    r2 = as.list(lavInspect(fit, "r2"))
  )
  if (moments) {   # Gamma (NACOV) and the DWLS weights, for the first case only (size)
    out$gamma <- unname(lavInspect(fit, "gamma"))
    out$wls_v <- unname(diag(lavInspect(fit, "wls.v")))
  }
  out
}
out <- list(lavaan = as.character(packageVersion("lavaan")))
d10 <- bfi[, c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5")]
out$bfi_two <- run("agree =~ A1 + A2 + A3 + A4 + A5\n consc =~ C1 + C2 + C3 + C4 + C5", d10,
                   moments = TRUE)
out$bfi_one <- run("agree =~ A1 + A2 + A3 + A4 + A5", d10)
out$bfi_ulsmv <- run("agree =~ A1 + A2 + A3 + A4 + A5\n consc =~ C1 + C2 + C3 + C4 + C5", d10,
                     estimator = "ULSMV")
# 5. the telecom model (7 latents, 24 items) on a simulated survey recoded to 1-5
# (telecom5.csv: csi_model.simulate_survey("telecom", n=1000, seed=11), (x + 1) %/% 2)
tel <- read.csv("telecom5.csv")
# without the single-item COMP block: lavaan cannot identify a single ordered indicator
# (no SEs; csi_model refuses it)
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
out$telecom5 <- run(telecom, tel[, setdiff(names(tel), "COMP1")])
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, dataframe = "columns"),
           "wlsmv.json")
