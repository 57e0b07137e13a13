# Reference results for csi_model's PLSpredict (pls_predict).
#
# Run from the repository root:
#     Rscript tests/reference/plspredict/make_reference.R /path/to/seminr-repo
# (a checkout of github.com/sem-in-r/seminr; branch predict_pls_v2 is read with git show).
#
# seminr's tests/testthat/test-plspredict.R (branch predict_pls_v2) fits the extended
# corporate-reputation model (Hair et al. 2017; mode B QUAL/PERF/CSOR/ATTR, mode A
# COMP/LIKE/CUSL, single-item CUSA, path weighting) on corp_rep_data with -99 as missing and
# seminr's mean replacement, then predict_pls(technique = predict_DA / predict_EA,
# noFolds = 344 = n, i.e. leave-one-out, which does not depend on the random shuffle).
# Its fixtures predict_pls_DA.csv / predict_pls_EA.csv hold, per endogenous item, the RMSE and
# MAE of PLS in-sample, PLS out-of-sample, LM in-sample, LM out-of-sample (8 rows).
#
# 1. the model's items of corp_rep_data, -99 -> NA, each NA replaced by its column's mean
#    (seminr's mean_replacement, applied once to the whole sample as estimate_pls does)
#    -> tests/data/corp_rep_imputed.csv;
# 2. the two fixtures -> seminr_predict.json.
# Needs: jsonlite.
suppressPackageStartupMessages(library(jsonlite))
seminr <- commandArgs(trailingOnly = TRUE)[1]
ref_dir <- file.path("tests", "reference", "plspredict")
git_file <- function(path) {
  out <- tempfile(fileext = paste0(".", tools::file_ext(path)))
  system2("git", c("-C", seminr, "show", paste0("predict_pls_v2:", path)), stdout = out)
  out
}
e <- new.env(); load(git_file("data/corp_rep_data.rda"), envir = e)
items <- c(paste0("qual_", 1:8), paste0("perf_", 1:5), paste0("csor_", 1:5), paste0("attr_", 1:3),
           paste0("comp_", 1:3), paste0("like_", 1:3), "cusa", paste0("cusl_", 1:3))
d <- e$corp_rep_data[, items]
d[d == -99] <- NA
for (i in seq_along(d)) d[is.na(d[, i]), i] <- mean(d[!is.na(d[, i]), i])
write.csv(d, file.path("tests", "data", "corp_rep_imputed.csv"), row.names = FALSE)
rows <- c("pls_in_rmse", "pls_in_mae", "pls_out_rmse", "pls_out_mae",
          "lm_in_rmse", "lm_in_mae", "lm_out_rmse", "lm_out_mae")
fixture <- function(f) {
  x <- read.csv(git_file(file.path("tests/fixtures/V_3_6_0", f)))
  setNames(lapply(seq_len(nrow(x)), function(i) as.list(x[i, ])), rows)
}
write_json(list(source = "seminr branch predict_pls_v2, tests/fixtures/V_3_6_0/predict_pls_{DA,EA}.csv",
                n = nrow(d), DA = fixture("predict_pls_DA.csv"), EA = fixture("predict_pls_EA.csv")),
           file.path(ref_dir, "seminr_predict.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("written\n")
