# Reference results for csi_model's moderation (fit_pls_moderated).
#
# Run from the repository root:
#     Rscript tests/reference/moderation/make_reference.R /path/to/seminr-repo
#
# seminr fixtures (tests/fixtures/V_3_6_0), all on mobi (= tests/data/ecsi_mobi.csv):
# * coefficients.csv  - test-pls.r: mode A composites Image, Expectation, Value, Satisfaction,
#   interaction_term(Image x Expectation) and (Image x Value), method = orthogonal,
#   inner_weights = path_factorial;
# * coefficients2.csv - the same with method = product_indicator;
# * plsc-interaction-paths.csv - test-consistent-interactions.R: reflective (PLSc) Image,
#   Expectation (single item CUEX3), Value, Satisfaction, orthogonal Image x Expectation,
#   path weighting; printed with 3 decimals by seminr's summary.
# -> seminr_interactions.json (the Satisfaction column of each).
# Needs: jsonlite.
suppressPackageStartupMessages(library(jsonlite))
seminr <- commandArgs(trailingOnly = TRUE)[1]
fx <- function(f) {
  out <- tempfile(fileext = ".csv")
  system2("git", c("-C", seminr, "show", paste0("HEAD:tests/fixtures/V_3_6_0/", f)), stdout = out)
  m <- as.matrix(read.csv(out, row.names = 1, check.names = FALSE))
  v <- m[, "Satisfaction"]; as.list(v[v != 0])
}
write_json(list(source = "seminr tests/fixtures/V_3_6_0/{coefficients,coefficients2,plsc-interaction-paths}.csv",
                orthogonal = fx("coefficients.csv"), product_indicator = fx("coefficients2.csv"),
                plsc_orthogonal = fx("plsc-interaction-paths.csv")),
           file.path("tests", "reference", "moderation", "seminr_interactions.json"),
           auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("written\n")
