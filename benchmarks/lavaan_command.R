# One lavaan run as a user would write it, for the whole-command rows of benchmarks/run.py
# (called by it; not meant to be run by hand). Reads the CSV, fits, writes the results as
# JSON - the same work as the csi-model command it is compared with - and adds "seconds",
# the elapsed time of that work inside R (system.time), to the JSON.
#
# Usage:
#   Rscript benchmarks/lavaan_command.R fit    MODEL.lav DATA.csv OUT.json        # ML fit
#   Rscript benchmarks/lavaan_command.R fit    MODEL.lav DATA.csv OUT.json B      # se = "bootstrap"
#   Rscript benchmarks/lavaan_command.R ladder MODEL.lav DATA.csv OUT.json GROUP  # invariance
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
task <- args[1]
model <- paste(readLines(args[2], warn = FALSE), collapse = "\n")
out <- NULL
seconds <- unname(system.time({
  d <- read.csv(args[3])
  if (task == "fit") {
    B <- if (length(args) >= 5) as.integer(args[5]) else 0L
    fit <- if (B > 0) {
      set.seed(1)
      sem(model, data = d, se = "bootstrap", bootstrap = B)
    } else {
      sem(model, data = d)
    }
    out <- list(converged = lavInspect(fit, "converged"),
                estimates = parameterEstimates(fit),
                standardized = standardizedSolution(fit),
                fit_measures = as.list(fitMeasures(fit)),
                r2 = as.list(lavInspect(fit, "r2")))
  } else if (task == "ladder") {
    g <- args[5]
    d[[g]] <- as.character(d[[g]])
    equal <- list(configural = character(0), metric = "loadings",
                  scalar = c("loadings", "intercepts"),
                  strict = c("loadings", "intercepts", "residuals"))
    fits <- lapply(equal, function(e)
      if (length(e)) sem(model, data = d, group = g, group.equal = e) else sem(model, data = d, group = g))
    out <- list(fit_measures = lapply(fits, function(f)
                  as.list(fitMeasures(f, c("chisq", "df", "pvalue", "cfi", "rmsea")))),
                lrt = local({
                  lrt <- lavTestLRT(fits$configural, fits$metric, fits$scalar, fits$strict)
                  lrt <- as.data.frame(lrt)
                  rownames(lrt) <- names(fits)
                  lrt
                }))
  } else {
    stop("unknown task: ", task)
  }
})[["elapsed"]])
out$seconds <- seconds
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA), args[4])
