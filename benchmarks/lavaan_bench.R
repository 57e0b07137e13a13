# lavaan timings for benchmarks/run.py (called by it; not meant to be run by hand).
# Usage: Rscript benchmarks/lavaan_bench.R MODEL.lav DATA_DIR OUT.json SIZES...
# DATA_DIR holds telecom_<n>.csv for each size; the pipeline uses n = 250. The bootstrap,
# the invariance ladder and the whole-command timings are in lavaan_command.R.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
model <- paste(readLines(args[1], warn = FALSE), collapse = "\n")
dir <- args[2]; out_file <- args[3]; sizes <- as.integer(args[-(1:3)])
t <- function(expr) unname(system.time(expr)[["elapsed"]])
out <- list(version = as.character(packageVersion("lavaan")))
csv <- function(n) file.path(dir, sprintf("telecom_%d.csv", n))
for (n in sizes) {
  d <- read.csv(csv(n))
  out[[sprintf("fit_%d", n)]] <- t(sem(model, data = d))
  if (n >= 1000000) out[[sprintf("read_fit_%d", n)]] <- t({ d2 <- read.csv(csv(n)); sem(model, data = d2) })
}
d <- read.csv(csv(250))
out$pipeline <- t({
  f <- sem(model, data = d)
  pe <- parameterEstimates(f); ss <- standardizedSolution(f); fm <- fitMeasures(f)
  cf <- cfa(paste(grep("=~", strsplit(model, "\n")[[1]], value = TRUE), collapse = "\n"), data = d)
  ms <- fitMeasures(cf); st <- standardizedSolution(cf)
})
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA), out_file)
