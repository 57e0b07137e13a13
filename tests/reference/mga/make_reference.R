# Reference results for csi_model's bootstrap PLS-MGA (pls_mga).
#
# Run from the repository root:
#     Rscript tests/reference/mga/make_reference.R /path/to/seminr-repo
#
# seminr's tests/testthat/test-pls-mga.R fits the 7-construct ECSI model (mode A composites,
# path weighting) on mobi (= tests/data/ecsi_mobi.csv), splits the respondents with
#   set.seed(798234); rand_cond <- sample(c(TRUE, FALSE), nrow(mobi), replace = TRUE)
# and runs estimate_pls_mga(mobi_pls, rand_cond, nboot = 100); the result is stored in
# tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS. This script re-draws rand_cond (R's RNG) and
# copies the fixture's columns to seminr_mga.json. The group path estimates are deterministic;
# pls_mga_p (Henseler's one-sided p, group1 > group2) depends on seminr's 100 bootstrap
# resamples, so a test can only compare it within Monte Carlo error.
# Needs: jsonlite.
suppressPackageStartupMessages(library(jsonlite))
seminr <- commandArgs(trailingOnly = TRUE)[1]
out <- tempfile(fileext = ".RDS")
system2("git", c("-C", seminr, "show", "HEAD:tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS"), stdout = out)
x <- as.data.frame(unclass(readRDS(out)))
set.seed(798234)
rand_cond <- sample(c(TRUE, FALSE), 250, replace = TRUE)
write_json(list(source = "seminr tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS (test-pls-mga.R)",
                group1 = rand_cond,
                paths = lapply(seq_len(nrow(x)), function(i) list(
                  source = x$source[i], target = x$target[i], group1_beta = x$group1_beta[i],
                  group2_beta = x$group2_beta[i], pls_mga_p = x$pls_mga_p[i]))),
           file.path("tests", "reference", "mga", "seminr_mga.json"),
           auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("written\n")
