# Reference results for csi_model's higher-order constructs (fit_pls_hoc).
#
# Run from the repository root:
#     Rscript tests/reference/hoc/make_reference.R /path/to/seminr-repo
#
# seminr's tests/testthat/test-hoc.R ("SEMinR correctly estimates model for a HOC") fits the
# mobi data (= tests/data/ecsi_mobi.csv) with
#   higher_composite("Satisfaction", dimensions = c("Image", "Value"), method = two_stage,
#                    weights = mode_A), mode A composites, path weighting,
#   Expectation + Quality -> Satisfaction -> Complaints, Loyalty
# and stores path_coef, outer_loadings and outer_weights in tests/fixtures/V_3_6_0/hoc-paths.csv,
# hoc-loadings.csv, hoc-weights.csv. They are copied (nonzero entries) to seminr_hoc.json.
# Needs: jsonlite.
suppressPackageStartupMessages(library(jsonlite))
seminr <- commandArgs(trailingOnly = TRUE)[1]
fx <- function(f) {
  out <- tempfile(fileext = ".csv")
  system2("git", c("-C", seminr, "show", paste0("HEAD:tests/fixtures/V_3_6_0/", f)), stdout = out)
  as.matrix(read.csv(out, row.names = 1, check.names = FALSE))
}
nonzero <- function(m) {     # {column: {row: value}} of the nonzero entries
  out <- list()
  for (j in colnames(m)) { v <- m[, j]; v <- v[v != 0]; if (length(v)) out[[j]] <- as.list(v) }
  out
}
write_json(list(source = "seminr tests/fixtures/V_3_6_0/hoc-{paths,loadings,weights}.csv (test-hoc.R)",
                paths = nonzero(fx("hoc-paths.csv")), loadings = nonzero(fx("hoc-loadings.csv")),
                weights = nonzero(fx("hoc-weights.csv"))),
           file.path("tests", "reference", "hoc", "seminr_hoc.json"),
           auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("written\n")
