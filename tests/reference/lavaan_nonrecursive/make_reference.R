# Reference results of lavaan 0.6-14 for nonrecursive models (reciprocal paths), for
# tests/test_nonrecursive.py. Run from the repository root:
#     Rscript tests/reference/lavaan_nonrecursive/make_reference.R
# 1. Writes tests/data/nonrecursive_sim.csv: n = 400 respondents simulated (set.seed(20261202))
#    from a CSI model with reciprocal satisfaction <-> loyalty paths, SAT ~ QUAL + LOY and
#    LOY ~ EXPE + SAT (QUAL and EXPE are the instruments), three 1-7 rounded items per latent.
# 2. Fits each case with lavaan::sem() (ML) and writes nonrecursive.json: parameterEstimates()
#    with std.all, R-square, fit measures and the total effects among the latents (or the
#    variables of an observed model), solve(I - B) - I from lavInspect(fit, "est")$beta.
# Needs: lavaan 0.6-14, jsonlite.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
here <- file.path("tests", "reference", "lavaan_nonrecursive")
data_dir <- file.path("tests", "data")
if (!dir.exists(here)) stop("Run this script from the repository root.")
stopifnot(packageVersion("lavaan") == "0.6.14")

set.seed(20261202)
n <- 400
qual <- rnorm(n); expe <- 0.5 * qual + sqrt(0.75) * rnorm(n)
B <- matrix(c(0, 0.3, 0.4, 0), 2, 2)        # SAT <- 0.3 LOY, LOY <- 0.4 SAT
e <- cbind(0.6 * qual + rnorm(n, sd = 0.6), 0.5 * expe + rnorm(n, sd = 0.6))
eta <- e %*% t(solve(diag(2) - B))           # (SAT, LOY)
items <- function(f, lam) sapply(lam, function(l) round(pmin(7, pmax(1, 4 + 1.2 * (l * f + rnorm(n, sd = 0.6))))))
sim <- data.frame(items(qual, c(1, 0.9, 0.8)), items(expe, c(1, 0.8, 0.9)),
                  items(eta[, 1], c(1, 0.9, 1.1)), items(eta[, 2], c(1, 1.1, 0.8)))
names(sim) <- c(paste0("QUAL", 1:3), paste0("EXPE", 1:3), paste0("SAT", 1:3), paste0("LOY", 1:3))
write.csv(sim, file.path(data_dir, "nonrecursive_sim.csv"), row.names = FALSE)

MEAS <- "QUAL =~ QUAL1 + QUAL2 + QUAL3
EXPE =~ EXPE1 + EXPE2 + EXPE3
SAT =~ SAT1 + SAT2 + SAT3
LOY =~ LOY1 + LOY2 + LOY3"
cases <- list(
  list(case = "csi_reciprocal", data = "nonrecursive_sim.csv",
       model = paste(MEAS, "SAT ~ QUAL + LOY\nLOY ~ EXPE + SAT", sep = "\n"),
       note = "SAT <-> LOY with one instrument each; the disturbances uncorrelated"),
  list(case = "csi_reciprocal_cov", data = "nonrecursive_sim.csv",
       model = paste(MEAS, "SAT ~ QUAL + LOY\nLOY ~ EXPE + SAT\nSAT ~~ LOY", sep = "\n"),
       note = "the same with correlated disturbances (just identified structural part)"),
  list(case = "observed_reciprocal", data = "nonrecursive_sim.csv",
       model = "SAT1 ~ QUAL1 + LOY1\nLOY1 ~ EXPE1 + SAT1\nSAT1 ~~ LOY1",
       note = "observed variables, QUAL1 and EXPE1 exogenous (fixed.x)"),
  list(case = "csi_loop", data = "nonrecursive_sim.csv",
       model = paste(MEAS, "SAT ~ QUAL + LOY\nLOY ~ EXPE\nEXPE ~ SAT", sep = "\n"),
       note = "a three-variable feedback loop SAT -> EXPE -> LOY -> SAT, QUAL exogenous")
)
FM <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic")
out <- list(lavaan_version = as.character(packageVersion("lavaan")), cases = list())
for (cs in cases) {
  data <- read.csv(file.path(data_dir, cs$data))
  fit <- sem(cs$model, data = data)
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  pe$std.all <- ss$est.std[match(paste(pe$lhs, pe$op, pe$rhs), paste(ss$lhs, ss$op, ss$rhs))]
  beta <- lavInspect(fit, "est")$beta         # observed outcomes are in beta too
  total <- solve(diag(nrow(beta)) - beta) - diag(nrow(beta))
  dimnames(total) <- dimnames(beta)
  tot <- as.data.frame(as.table(total), stringsAsFactors = FALSE)
  names(tot) <- c("to", "from", "total")
  tot <- tot[abs(tot$total) > 0, ]
  out$cases[[cs$case]] <- list(
    model = cs$model, data_file = file.path("tests", "data", cs$data), note = cs$note,
    converged = lavInspect(fit, "converged"),
    estimates = pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
    r2 = as.list(lavInspect(fit, "rsquare")),
    total_effects = tot,
    fit_measures = as.list(fitMeasures(fit, FM)))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           file.path(here, "nonrecursive.json"))
