# lavaan timings for benchmarks/fiml.py (called by it; not meant to be run by hand).
# Usage: Rscript benchmarks/lavaan_fiml_bench.R MODEL.lav DATA.csv OUT.json REPEAT B
# Times sem(missing = "ml") (best of REPEAT), the same with estimator = "MLR", and
# se = "bootstrap" with B resamples (one run), each inside R with system.time.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
model <- paste(readLines(args[1], warn = FALSE), collapse = "\n")
d <- read.csv(args[2])
out_file <- args[3]; repeat_n <- as.integer(args[4]); B <- as.integer(args[5])
best <- function(expr_fun) min(vapply(seq_len(repeat_n), function(i)
  unname(system.time(expr_fun())[["elapsed"]]), numeric(1)))
out <- list(version = as.character(packageVersion("lavaan")))
out$fit_ml <- best(function() sem(model, data = d, missing = "ml"))
out$fit_mlr <- best(function() sem(model, data = d, missing = "ml", estimator = "MLR"))
set.seed(1)
out$boot_B <- B
out$bootstrap <- unname(system.time(
  f <- sem(model, data = d, missing = "ml", se = "bootstrap", bootstrap = B))[["elapsed"]])
out$chisq <- unname(fitMeasures(f, "chisq"))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA), out_file)
