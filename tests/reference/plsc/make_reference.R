# Reference results for csi_model's consistent PLS (PLSc) and PLS quality criteria.
#
# Run from the repository root:
#     Rscript tests/reference/plsc/make_reference.R /path/to/cSEM-repo /path/to/seminr-repo
# where the two arguments are checkouts of github.com/M-E-Rademaker/cSEM and
# github.com/sem-in-r/seminr (git show HEAD:<file> is used, so bare clones work too).
#
# 1. ADANCO 2.1.1 results for the common-factor (PLSc) model on cSEM's `satisfaction`
#    data (tests/comparisons/results_cf_model.xls of cSEM; settings in
#    tests/comparisons/Compare_to_ADANCO_and_matrixpls_cf_model.R: PLS-PM weights,
#    factorial inner scheme, tolerance 1e-6, PLSc) -> adanco_cf.json; the data ->
#    tests/data/satisfaction_csem.csv.
# 2. seminr 2.x fixtures for PLSc on the mobi data (tests/fixtures/V_3_6_0/path_coef1.csv,
#    loadings1.csv, rsquaredplsc.csv, rho1.csv; produced by tests/testthat/test-consistent.R:
#    estimate_pls(mobi, reflective blocks, inner_weights = path_factorial)) -> seminr_plsc.json.
#    seminr's `mobi` is checked to be identical to tests/data/ecsi_mobi.csv.
#
# Needs: readxl, jsonlite.
suppressPackageStartupMessages({library(readxl); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
csem <- args[1]; seminr <- args[2]
ref_dir <- file.path("tests", "reference", "plsc")
git_file <- function(repo, path) {
  out <- tempfile(fileext = paste0(".", tools::file_ext(path)))
  system2("git", c("-C", repo, "show", paste0("HEAD:", path)), stdout = out)
  out
}
# ---------------------------------------------------------------- ADANCO (cSEM)
xls <- git_file(csem, "tests/comparisons/results_cf_model.xls")
sheet <- function(name) as.data.frame(suppressMessages(read_excel(xls, name, col_names = FALSE)))
# a table with a header row and a first column of row names -> numeric matrix (NA -> 0)
block <- function(name, rows = NULL) {
  s <- sheet(name)
  if (!is.null(rows)) s <- s[rows, , drop = FALSE]
  hdr <- as.character(s[1, -1]); body <- s[-1, , drop = FALSE]
  m <- apply(as.matrix(body[, -1, drop = FALSE]), 2, as.numeric)
  m <- matrix(m, nrow = nrow(body), dimnames = list(as.character(body[, 1]), hdr))
  m
}
mat_list <- function(m) lapply(split(m, row(m)), function(r) setNames(as.list(r), colnames(m))) |>
  setNames(rownames(m))
outer_vec <- function(m) {          # items x latents with one entry per row -> {latent: {item: v}}
  out <- list()
  for (j in colnames(m)) { v <- m[!is.na(m[, j]), j]; out[[j]] <- as.list(v) }
  out
}
gof <- function(name) { m <- block(name); setNames(as.list(m[, "Value"]), rownames(m)) }
rel <- sheet("Construct Reliability")[-1, ]
r2 <- sheet("R-Squared")[-1, ]
ave <- sheet("Convergent Validity")[-1, ]
vif <- block("Indicator Multicollinearity", rows = 1:28)
adanco <- list(
  source = "cSEM tests/comparisons/results_cf_model.xls (ADANCO 2.1.1, PLSc, factorial scheme)",
  weights = outer_vec(block("Weights")),
  loadings = outer_vec(block("Loadings")),
  paths = mat_list(block("Path Coefficients", rows = 2:7)),
  construct_cor = mat_list(block("Inter-Construct Correlations")),
  r2 = setNames(as.list(as.numeric(r2[, 2])), r2[, 1]),
  r2_adj = setNames(as.list(as.numeric(r2[, 3])), r2[, 1]),
  rho_a = setNames(as.list(as.numeric(rel[, 2])), rel[, 1]),
  rho_c = setNames(as.list(as.numeric(rel[, 3])), rel[, 1]),
  alpha = setNames(as.list(as.numeric(rel[, 4])), rel[, 1]),
  ave = setNames(as.list(as.numeric(ave[, 2])), ave[, 1]),
  htmt = mat_list(block("Discriminant Validity  Heterotr")),
  outer_vif = outer_vec(vif),
  fit_saturated = gof("Goodness of model fit (saturate"),
  fit_estimated = gof("Goodness of model fit (estimate"),
  implied_saturated = mat_list(block("Impl_Cor Saturated Model")),
  implied_estimated = mat_list(block("Impl_Cor Estimated Model"))
)
write_json(adanco, file.path(ref_dir, "adanco_cf.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")
# the composite model (all blocks '<~', mode B; cSEM's Compare_to_ADANCO_and_matrixpls_composite_model.R)
xls <- git_file(csem, "tests/comparisons/results_composite_model.xls")
r2 <- sheet("R-Squared")[-1, ]
adanco_b <- list(
  source = "cSEM tests/comparisons/results_composite_model.xls (ADANCO 2.1.1, PLS mode B composites, factorial scheme)",
  weights = outer_vec(block("Weights")),
  loadings = outer_vec(block("Loadings")),
  paths = mat_list(block("Path Coefficients", rows = 2:7)),
  r2 = setNames(as.list(as.numeric(r2[, 2])), r2[, 1]),
  fit_saturated = list(SRMR = gof("Goodness of model fit (saturate")$SRMR)
)   # (readxl cannot parse this file's implied-correlation sheets)
write_json(adanco_b, file.path(ref_dir, "adanco_composite.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")
e <- new.env(); load(git_file(csem, "data/satisfaction.RData"), envir = e)
write.csv(e$satisfaction, file.path("tests", "data", "satisfaction_csem.csv"), row.names = FALSE)
# ---------------------------------------------------------------- seminr
fx <- function(f) as.matrix(read.csv(git_file(seminr, file.path("tests/fixtures/V_3_6_0", f)), row.names = 1))
e <- new.env(); load(git_file(seminr, "data/mobi.rda"), envir = e)
ours <- read.csv(file.path("tests", "data", "ecsi_mobi.csv"))
stopifnot(isTRUE(all.equal(as.matrix(e$mobi[, names(ours)]), as.matrix(ours), check.attributes = FALSE)))
pc <- fx("path_coef1.csv"); ld <- fx("loadings1.csv"); rs <- fx("rsquaredplsc.csv"); rho <- fx("rho1.csv")
seminr_ref <- list(
  source = "seminr tests/fixtures/V_3_6_0 (test-consistent.R: PLSc, path_factorial scheme, mobi data)",
  paths = list(Satisfaction = as.list(pc[c("Image", "Expectation", "Value"), "Satisfaction"])),
  loadings = outer_vec(replace(ld, ld == 0, NA)),
  r2 = rs["Rsq", "Satisfaction"], r2_adj = rs["AdjRsq", "Satisfaction"], bic = rs["BIC", "Satisfaction"],
  rho_a = as.list(rho[, "rhoA"])
)
write_json(seminr_ref, file.path(ref_dir, "seminr_plsc.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")
cat("written\n")
# 3. seminr fixtures for PLS (composites, mode A, path weighting) on mobi: R², BIC
#    (tests/testthat/test-metric.R -> rsquared1.csv) and VIFs (test-validity.R ->
#    vifs/flat_item_vifs1.csv, flat_vif_antecedents1.csv, flat_vif_antecedents2.csv) -> seminr_pls.json
flat <- function(f) {
  x <- read.csv(git_file(seminr, file.path("tests/fixtures/V_3_6_0/vifs", f)), check.names = FALSE)
  as.list(unlist(x[1, ]))
}
rs1 <- fx("rsquared1.csv")
seminr_pls <- list(
  source = "seminr tests/fixtures/V_3_6_0 (test-metric.R, test-validity.R: PLS, mode A composites, path weighting, mobi)",
  r2 = rs1["Rsq", "Satisfaction"], r2_adj = rs1["AdjRsq", "Satisfaction"], bic = rs1["BIC", "Satisfaction"],
  item_vif = flat("flat_item_vifs1.csv"),
  antecedent_vif1 = flat("flat_vif_antecedents1.csv"),
  antecedent_vif2 = flat("flat_vif_antecedents2.csv")
)
write_json(seminr_pls, file.path(ref_dir, "seminr_pls.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")
cat("written seminr_pls.json\n")
