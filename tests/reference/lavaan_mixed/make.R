# Reference values for mixed ordinal + continuous items (lavaan 0.6-14), tests/test_mixed_ordinal.py.
# Run from the repository root: Rscript tests/reference/lavaan_mixed/make.R
# 1. HolzingerSwineford1939 (tests/data/holzinger_swineford.csv) with x1-x3 cut into 4
#    categories at their quartiles (written to hs_mixed.csv), x4-x9 continuous.
# 2. the telecom model on tests/reference/lavaan_ordinal/telecom5.csv (1-5 answers), nine items
#    ordered, interleaved with the others treated as continuous.
suppressMessages({library(lavaan); library(jsonlite)})
run <- function(model, d, ord, file, every = 1L, estimator = "WLSMV", weights = NULL) {
  fit <- cfa(model, data = d, ordered = ord, estimator = estimator, sampling.weights = weights)
  # lavCor's statistics; with weights (lavCor takes no sampling.weights) the fit's, the same
  cr <- if (is.null(weights)) lavCor(d, ordered = ord, output = "fit") else fit
  ss <- lavInspect(fit, "sampstat")
  pe <- parameterEstimates(fit, standardized = TRUE)
  out <- list(
    model = model, ordered = ord, n = nobs(fit), items = lavNames(fit, "ov"),
    lavcor = unclass(lavInspect(cr, "sampstat")$cov),
    lavcor_th = unname(lavInspect(cr, "sampstat")$th),
    sampstat_cov = unclass(ss$cov), sampstat_th = unname(ss$th), th_names = names(ss$th),
    sampstat_mean = unname(ss$mean),
    wls_obs = unname(lavInspect(fit, "wls.obs")), wls_names = names(lavInspect(fit, "wls.obs")),
    wls_v = unname(diag(lavInspect(fit, "wls.v"))),
    # every 'every'-th row of Gamma (1-based row numbers in gamma_rows), to keep the file small
    gamma_rows = seq(1L, nrow(lavInspect(fit, "gamma")), by = every),
    gamma = unclass(lavInspect(fit, "gamma"))[seq(1L, nrow(lavInspect(fit, "gamma")), by = every), , drop = FALSE],
    estimator = estimator,
    estimates = pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
    std_se = standardizedSolution(fit)[, c("lhs", "op", "rhs", "est.std", "se")],
    shift = unname(lavInspect(fit, "test")$scaled.shifted$shift.parameter),
    fit_measures = as.list(fitMeasures(fit)),
    r2 = as.list(lavInspect(fit, "r2"))
  )
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", na = "null"), file)
}
hs <- read.csv("tests/data/holzinger_swineford.csv")
d <- hs[, paste0("x", 1:9)]
for (v in c("x1", "x2", "x3")) {
  d[[v]] <- as.integer(cut(d[[v]], quantile(d[[v]], c(0, .25, .5, .75, 1)), include.lowest = TRUE))
}
write.csv(d, "tests/reference/lavaan_mixed/hs_mixed.csv", row.names = FALSE)
hs_model <- " visual =~ x1 + x2 + x3
      textual =~ x4 + x5 + x6
      speed =~ x7 + x8 + x9 "
run(hs_model, d, c("x1", "x2", "x3"), "tests/reference/lavaan_mixed/hs_mixed.json")
run(hs_model, d, c("x1", "x2", "x3"), "tests/reference/lavaan_mixed/hs_mixed_ulsmv.json",
    estimator = "ULSMV")
tel <- read.csv("tests/reference/lavaan_ordinal/telecom5.csv")
tel <- tel[, setdiff(names(tel), "COMP1")]
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
run(telecom, tel, c("IMAG1", "IMAG3", "EXPE2", "QUAL2", "QUAL5", "VAL1", "SAT2", "LOY1", "LOY3"),
    "tests/reference/lavaan_mixed/telecom_mixed.json", every = 6L)
# 3. the full telecom model with its single-item COMP block: COMP1 continuous (its residual
#    variance fixed to 0), every other item ordered
tel <- read.csv("tests/reference/lavaan_ordinal/telecom5.csv")
full <- paste(telecom, "\nCOMP =~ COMP1\nCOMP ~ SAT\nLOY ~ COMP\nCOMP1 ~~ 0*COMP1")
run(full, tel, setdiff(names(tel), "COMP1"), "tests/reference/lavaan_mixed/telecom_comp.json",
    every = 6L)
# 4. psych's bfi (tests/reference/polychoric/bfi_items.csv): the A items ordered, the C items
#    continuous, listwise deletion of incomplete rows (lavaan's default)
bfi <- read.csv("tests/reference/polychoric/bfi_items.csv")
bfi <- bfi[, c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5")]
run("agree =~ A1 + A2 + A3 + A4 + A5\n consc =~ C1 + C2 + C3 + C4 + C5", bfi,
    c("A1", "A2", "A3", "A4", "A5"), "tests/reference/lavaan_mixed/bfi_mixed.json", every = 2L)
# 5. case 1 with sampling weights (uniform on 0.5-2, seed 14; hs_mixed_weights.csv)
set.seed(14)
dw <- d
dw$w <- round(runif(nrow(d), 0.5, 2), 4)
write.csv(dw, "tests/reference/lavaan_mixed/hs_mixed_weights.csv", row.names = FALSE)
run(hs_model, dw, c("x1", "x2", "x3"), "tests/reference/lavaan_mixed/hs_mixed_weights.json",
    weights = "w")
