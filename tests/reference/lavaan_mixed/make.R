# Reference values for mixed ordinal + continuous items (lavaan 0.6-14):
# HolzingerSwineford1939 (tests/data/holzinger_swineford.csv) with x1-x3 cut into 4
# categories at their quartiles (tests/reference/lavaan_mixed/hs_mixed.csv), x4-x9 continuous.
# Run from the repository root: Rscript tests/reference/lavaan_mixed/make.R
library(lavaan); library(jsonlite)
hs <- read.csv("tests/data/holzinger_swineford.csv")
d <- hs[, paste0("x", 1:9)]
for (v in c("x1", "x2", "x3")) {
  d[[v]] <- as.integer(cut(d[[v]], quantile(d[[v]], c(0, .25, .5, .75, 1)), include.lowest = TRUE))
}
write.csv(d, "tests/reference/lavaan_mixed/hs_mixed.csv", row.names = FALSE)
ord <- c("x1", "x2", "x3")
cr <- lavCor(d, ordered = ord, output = "fit")
model <- ' visual =~ x1 + x2 + x3
           textual =~ x4 + x5 + x6
           speed =~ x7 + x8 + x9 '
fit <- cfa(model, data = d, ordered = ord)
ss <- lavInspect(fit, "sampstat")
pe <- parameterEstimates(fit)
fm <- fitMeasures(fit)
out <- list(
  n = nobs(fit),
  lavcor = unclass(lavInspect(cr, "sampstat")$cov),
  lavcor_th = unname(lavInspect(cr, "sampstat")$th),
  items = colnames(d),
  sampstat_cov = unclass(ss$cov), sampstat_th = unname(ss$th), th_names = names(ss$th),
  sampstat_mean = unname(ss$mean),
  wls_obs = unname(lavInspect(fit, "wls.obs")),
  wls_v = unname(diag(lavInspect(fit, "wls.v"))),
  gamma = unclass(lavInspect(fit, "gamma")),
  estimates = pe[, c("lhs", "op", "rhs", "est", "se")],
  fit_measures = as.list(fm)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", na = "null"),
           "tests/reference/lavaan_mixed/hs_mixed.json")
print(names(lavInspect(fit, "wls.obs"))); print(fm[c("chisq","chisq.scaled","cfi.scaled","rmsea.robust")])
