# Reference results of lavaan 0.6-14 for tests/test_lavaan_models.py: a suite of
# lavaan models on lavaan's and psych's example data, each of which csi_model must
# either reproduce or refuse with a clear error (never a third outcome).
#
# Run from the repository root:
#     Rscript tests/reference/lavaan_models/make_reference.R
#
# 1. Writes the data sets to tests/data/ (see tests/data/README.md for their sources):
#    hs1939.csv (lavaan::HolzingerSwineford1939), facial_burns.csv (lavaan::FacialBurns),
#    demo_growth.csv (lavaan::Demo.growth), bfi.csv (psych::bfi),
#    political_democracy_missing.csv (lavaan::PoliticalDemocracy with cells set to NA
#    deterministically, below). political_democracy.csv, telecom_sim.csv and ecsi_mobi.csv
#    are the committed files of tests/reference/lavaan/.
# 2. Fits every case with lavaan from the CSV files and writes one JSON per case,
#    tests/reference/lavaan_models/<case>.json, with the model syntax, the options,
#    what csi_model must do ("expect") and lavaan's estimates, fit measures and warnings.
#
# expect = "agree": estimates, SEs and fit measures must agree with lavaan.
# expect = "refuse": csi_model must raise one of its errors whose message matches
#          `message` (a regular expression); lavaan's own outcome is recorded for context.
# expect = "unidentified": lavaan warns that the information matrix cannot be inverted;
#          csi_model must warn, name the parameters in `message`, give NaN SEs and
#          lavaan's chi-square (the fit is unique even where the parameters are not).
#
# Needs: lavaan 0.6-14, psych 2.2.9, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

ref_dir  <- file.path("tests", "reference", "lavaan_models")
data_dir <- file.path("tests", "data")
if (!dir.exists(ref_dir) || !dir.exists(data_dir)) {
  stop("Run this script from the repository root: Rscript tests/reference/lavaan_models/make_reference.R")
}
stopifnot(packageVersion("lavaan") == "0.6.14")

# ------------------------------------------------------------------ data export
hs <- lavaan::HolzingerSwineford1939
hs$school <- as.character(hs$school)
write.csv(hs[, c("id", "sex", "ageyr", "agemo", "school", "grade", paste0("x", 1:9))],
          file.path(data_dir, "hs1939.csv"), row.names = FALSE)
write.csv(lavaan::FacialBurns, file.path(data_dir, "facial_burns.csv"), row.names = FALSE)
write.csv(lavaan::Demo.growth, file.path(data_dir, "demo_growth.csv"), row.names = FALSE)
write.csv(psych::bfi, file.path(data_dir, "bfi.csv"), row.names = FALSE)
pdm <- lavaan::PoliticalDemocracy
pdm$x1[c(3, 17, 40)] <- NA        # a missing predictor: lavaan drops these rows (fixed.x)
pdm$y1[c(5, 22, 51, 70)] <- NA
pdm$y3[c(8, 22, 60)] <- NA
write.csv(pdm, file.path(data_dir, "political_democracy_missing.csv"), row.names = FALSE)

read_data <- function(file) read.csv(file.path(data_dir, file), na.strings = c("", "NA"))

named_list <- function(x) {
  out <- as.list(unname(as.numeric(x)))
  names(out) <- names(x)
  out
}

HS3 <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
PD_MEAS <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8"
PD_RES <- "y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"
read_lav <- function(file) paste(readLines(file, warn = FALSE), collapse = "\n")
TELECOM_MEAS <- "IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
EXPE =~ EXPE1 + EXPE2 + EXPE3
QUAL =~ QUAL1 + QUAL2 + QUAL3 + QUAL4 + QUAL5 + QUAL6 + QUAL7
VAL  =~ VAL1 + VAL2
SAT  =~ SAT1 + SAT2 + SAT3
COMP =~ COMP1
LOY  =~ LOY1 + LOY2 + LOY3"
BFI5 <- "A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5
E =~ E1 + E2 + E3 + E4 + E5
N =~ N1 + N2 + N3 + N4 + N5
O =~ O1 + O2 + O3 + O4 + O5"

case <- function(name, model, data, expect = "agree", options = list(), message = NULL,
                 note = "") {
  list(name = name, model = model, data = data, expect = expect, options = options,
       message = message, note = note)
}

cases <- list(
  # ---------------------------------------------------------------- Holzinger-Swineford
  case("hs_three_factor", HS3, "hs1939.csv", note = "lavaan's cfa() tutorial model"),
  case("hs_one_factor", "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9", "hs1939.csv"),
  case("hs_orthogonal", paste(HS3, "visual ~~ 0*textual + 0*speed\ntextual ~~ 0*speed", sep = "\n"),
       "hs1939.csv", note = "cfa(..., orthogonal = TRUE) written out"),
  case("hs_label_first_loading",
       "visual =~ a*x1 + a*x2 + a*x3\ntextual =~ b*x4 + b*x5 + b*x6\nspeed =~ c*x7 + c*x8 + c*x9",
       "hs1939.csv", note = "issue 11 point 2: a label shared with the fixed first loading fixes all (107.4 on 30 df)"),
  case("hs_label_first_loading_one",
       "visual =~ a*x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9",
       "hs1939.csv"),
  case("hs_start_on_first_loading",
       "visual =~ start(0.8)*x1 + x2 + x3\ntextual =~ x4 + start(1.2)*x5 + x6\nspeed =~ x7 + x8 + x9",
       "hs1939.csv", note = "lavaan fixes a marker with a start value at that value"),
  case("hs_equal_free_loadings",
       "visual =~ x1 + v*x2 + v*x3\ntextual =~ x4 + t*x5 + t*x6\nspeed =~ x7 + x8 + x9",
       "hs1939.csv"),
  case("hs_std_lv_by_hand",
       "visual =~ NA*x1 + x2 + x3\ntextual =~ NA*x4 + x5 + x6\nspeed =~ NA*x7 + x8 + x9\nvisual ~~ 1*visual\ntextual ~~ 1*textual\nspeed ~~ 1*speed",
       "hs1939.csv", note = "std.lv = TRUE written out"),
  case("hs_second_order", paste(HS3, "g =~ visual + textual + speed", sep = "\n"), "hs1939.csv"),
  case("hs_residual_covariance", paste(HS3, "x7 ~~ x8\nx1 ~~ x9", sep = "\n"), "hs1939.csv"),
  case("hs_mimic", paste(HS3, "visual + textual + speed ~ sex + ageyr", sep = "\n"), "hs1939.csv",
       note = "issue 11 point 1: auto.cov.y frees the three residual covariances (105.3 on 36 df)"),
  case("hs_mimic_no_cov_y", paste(HS3, "visual + textual + speed ~ sex + ageyr", sep = "\n"),
       "hs1939.csv", options = list(auto.cov.y = FALSE)),
  case("hs_mimic_fixed_x_false", paste(HS3, "visual + textual + speed ~ sex + ageyr", sep = "\n"),
       "hs1939.csv", options = list(fixed.x = FALSE)),
  case("hs_structural_chain", paste(HS3, "textual ~ visual\nspeed ~ visual + textual", sep = "\n"),
       "hs1939.csv"),
  case("hs_two_outcomes", paste(HS3, "visual ~ textual\nspeed ~ textual", sep = "\n"), "hs1939.csv",
       note = "visual and speed are pure outcomes: their residual covariance is free (equivalent to the CFA)"),
  case("hs_single_indicator", "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nage =~ ageyr\nvisual + textual ~ age",
       "hs1939.csv"),
  case("hs_observed_regression", "x1 ~ x2 + x3 + ageyr", "hs1939.csv", note = "saturated: df 0, TLI 1"),
  case("hs_observed_two_outcomes", "x1 + x4 ~ x7 + ageyr + sex", "hs1939.csv"),
  case("hs_observed_mediation", "x4 ~ x1\nx7 ~ x4 + x1", "hs1939.csv"),
  case("hs_predictor_covariance", "x1 ~ ageyr + sex + agemo\nageyr ~~ sex", "hs1939.csv",
       note = "lavaan warns and treats ageyr and sex as random; agemo stays fixed.x (no covariance with them)"),
  case("hs_grade_outcome", paste(HS3, "grade ~ visual + textual + speed", sep = "\n"), "hs1939.csv",
       note = "one missing grade: listwise deletion (lavaan's default)"),
  case("hs_saturated_factor", "visual =~ x1 + x2 + x3", "hs1939.csv",
       note = "just identified: lavaan reports CFI = TLI = 1, RMSEA 0 [0, 0]"),
  case("hs_saturated_factor_mlr", "visual =~ x1 + x2 + x3", "hs1939.csv",
       options = list(estimator = "MLR")),
  case("hs_mlr", HS3, "hs1939.csv", options = list(estimator = "MLR")),
  case("hs_fiml", HS3, "hs1939.csv", options = list(missing = "ml"),
       note = "complete data: FIML adds the mean structure"),
  case("hs_two_indicators_alone", "visual =~ x1 + x2", "hs1939.csv", expect = "refuse",
       message = "not identified.*4 free parameters.*3 sample moments",
       note = "issue 11 point 4: lavaan fits it with df = -1 and no SEs"),
  case("hs_orthogonal_two_indicator",
       "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5\nvisual ~~ 0*textual", "hs1939.csv",
       expect = "unidentified", message = "textual =~ x5.*x4 ~~ x4.*x5 ~~ x5.*textual ~~ textual"),
  case("hs_zero_residual_variances", "visual =~ x1 + x2 + x3\nx1 ~~ 0*x1\nx2 ~~ 0*x2",
       "hs1939.csv", expect = "refuse", message = "singular.*x1 ~~ 0\\*x1",
       note = "lavaan: 'Model estimation FAILED! Returning starting values.'"),
  case("hs_intercepts", paste(HS3, "x1 ~ 1", sep = "\n"), "hs1939.csv",
       note = "issue 15: a '~1' turns the mean structure on (intercepts free, latent means 0)"),
  case("hs_equality_operator", paste("visual =~ x1 + b2*x2 + b3*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9",
                                     "b2 == b3", sep = "\n"), "hs1939.csv",
       note = "an equality constraint (see also tests/reference/lavaan_constraints/)"),
  # ---------------------------------------------------------------- Political Democracy
  case("pd_bollen", paste(PD_MEAS, "dem60 ~ ind60\ndem65 ~ ind60 + dem60", PD_RES, sep = "\n"),
       "political_democracy.csv", note = "lavaan's sem() tutorial model"),
  case("pd_bollen_equal_loadings",
       paste("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + a*y2 + b*y3 + c*y4\ndem65 =~ y5 + a*y6 + b*y7 + c*y8",
             "dem60 ~ ind60\ndem65 ~ ind60 + dem60", PD_RES, sep = "\n"), "political_democracy.csv"),
  case("pd_measurement", PD_MEAS, "political_democracy.csv"),
  case("pd_two_outcomes", paste(PD_MEAS, "dem60 ~ ind60\ndem65 ~ ind60", sep = "\n"),
       "political_democracy.csv", note = "dem60 and dem65 are pure outcomes of ind60"),
  case("pd_observed_outcomes", "y1 + y2 + y3 ~ x1 + x2 + x3", "political_democracy.csv",
       note = "issue 11 point 1: saturated with auto.cov.y (0 on 0 df)"),
  case("pd_observed_outcomes_fixed_x_false", "y1 + y2 + y3 ~ x1 + x2 + x3", "political_democracy.csv",
       options = list(fixed.x = FALSE)),
  case("pd_mimic", "dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ x1 + x2 + x3", "political_democracy.csv"),
  case("pd_mimic_mlr", "dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ x1 + x2 + x3", "political_democracy.csv",
       options = list(estimator = "MLR"),
       note = "MLR with fixed.x: the predictors' moments drop out of the scaled test"),
  case("hs_mimic_mlr", paste(HS3, "visual + textual + speed ~ sex + ageyr", sep = "\n"), "hs1939.csv",
       options = list(estimator = "MLR")),
  case("pd_mimic_fiml_missing_x", "dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ x1 + x2",
       "political_democracy_missing.csv", options = list(missing = "ml"),
       note = "fixed.x with FIML: lavaan drops the 3 rows with a missing x1"),
  case("pd_fiml_missing", paste(PD_MEAS, "dem60 ~ ind60\ndem65 ~ ind60 + dem60", sep = "\n"),
       "political_democracy_missing.csv", options = list(missing = "ml")),
  case("pd_listwise_missing", paste(PD_MEAS, "dem60 ~ ind60\ndem65 ~ ind60 + dem60", sep = "\n"),
       "political_democracy_missing.csv", options = list(missing = "listwise")),
  case("pd_composite", "ind60 <~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem60 ~ ind60",
       "political_democracy.csv", expect = "refuse", message = "<~.*formative"),
  # ---------------------------------------------------------------- other data
  case("facial_burns_path", "Selfesteem ~ TBSA + Age + Sex\nHADS ~ Selfesteem + TBSA + RUM",
       "facial_burns.csv"),
  case("facial_burns_two_outcomes", "Selfesteem + HADS ~ TBSA + Age + RUM", "facial_burns.csv"),
  case("demo_growth_covariates",
       "i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4\ns =~ 0*t1 + 1*t2 + 2*t3 + 3*t4\ni ~ x1 + x2\ns ~ x1 + x2",
       "demo_growth.csv",
       note = "a growth model's covariance structure with sem() (no mean structure): auto.cov.y keeps i ~~ s"),
  case("demo_growth_means", "i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4\ns =~ 0*t1 + 1*t2 + 2*t3 + 3*t4\ni ~ 1\ns ~ 1",
       "demo_growth.csv", expect = "unidentified", message = "involved are (?=.*\\bi ~1)(?=.*\\bs ~1).*growth\\(\\)",
       note = "sem() leaves the item intercepts free beside the free latent means: not identified (growth() fixes them)"),
  case("bfi_two_factor", "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5", "bfi.csv",
       note = "listwise deletion of incomplete rows"),
  case("bfi_five_factor", BFI5, "bfi.csv"),
  case("bfi_covariates", "N =~ N1 + N2 + N3 + N4 + N5\nE =~ E1 + E2 + E3 + E4 + E5\nN + E ~ age + gender",
       "bfi.csv"),
  case("bfi_fiml", "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5", "bfi.csv",
       options = list(missing = "ml")),
  case("telecom", read_lav("models/telecom.lav"), "telecom_sim.csv"),
  case("telecom_two_outcomes",
       paste(TELECOM_MEAS, "EXPE ~ IMAG\nQUAL ~ EXPE\nVAL ~ EXPE + QUAL\nSAT ~ IMAG + EXPE + QUAL + VAL\nCOMP ~ SAT\nLOY ~ SAT + IMAG", sep = "\n"),
       "telecom_sim.csv", note = "issue 11 point 1: COMP and LOY outcomes of SAT only (df 241, not 242)"),
  case("ecsi_mobi", read_lav("tests/reference/lavaan/ecsi_mobi.lav"), "ecsi_mobi.csv",
       note = "an improper solution (lavaan warns)")
)

# ------------------------------------------------------------------ fitting
fit_one <- function(cs) {
  data <- read_data(cs$data)
  warns <- character(0)
  err <- NULL
  args <- c(list(model = cs$model, data = data), cs$options)
  fun <- "sem"
  if (!is.null(cs$options$auto.cov.y)) {
    # sem() forces auto.cov.y = TRUE: call lavaan() with sem()'s other defaults
    fun <- "lavaan"
    args <- c(args, list(model.type = "sem", int.ov.free = TRUE, int.lv.free = FALSE,
                         auto.fix.first = TRUE, auto.fix.single = TRUE, auto.var = TRUE,
                         auto.cov.lv.x = TRUE, auto.th = TRUE, auto.delta = TRUE,
                         auto.efa = TRUE))
  }
  fit <- tryCatch(withCallingHandlers(do.call(fun, args), warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  }), error = function(e) {
    err <<- conditionMessage(e)
    NULL
  })
  out <- list(lavaan_version = as.character(packageVersion("lavaan")), case = cs$name,
              model = cs$model, data_file = file.path("tests", "data", cs$data),
              call = paste0(if (fun == "sem") "sem" else "lavaan (with sem()'s defaults)",
                            "(model, data = data",
                            paste0(vapply(names(cs$options), function(k)
                              sprintf(", %s = %s", k, deparse(cs$options[[k]])), character(1)),
                              collapse = ""), ")"),
              options = cs$options, expect = cs$expect, message = cs$message, note = cs$note,
              lavaan_warnings = as.list(warns), lavaan_error = err)
  ok <- !is.null(fit) && isTRUE(lavInspect(fit, "converged"))
  if (ok) {
    pe <- parameterEstimates(fit)
    ss <- standardizedSolution(fit)
    pe$std.all <- ss$est.std[match(paste(pe$lhs, pe$op, pe$rhs), paste(ss$lhs, ss$op, ss$rhs))]
    pe$exo <- parTable(fit)$exo[match(paste(pe$lhs, pe$op, pe$rhs),
                                      with(parTable(fit), paste(lhs, op, rhs)))]
    out$n <- lavInspect(fit, "nobs")
    out$estimates <- pe[pe$op %in% c("=~", "~", "~~", "~1"),
                        c("lhs", "op", "rhs", "est", "se", "z", "pvalue", "std.all", "exo")]
    out$fit_measures <- tryCatch(named_list(fitMeasures(fit)), error = function(e) NULL)
    pt <- parTable(fit)
    out$partable <- pt[pt$op %in% c("=~", "~", "~~", "~1"),
                       c("lhs", "op", "rhs", "user", "free", "ustart", "exo", "label")]
  }
  json <- toJSON(out, dataframe = "rows", auto_unbox = TRUE, digits = NA, na = "null",
                 null = "null", pretty = TRUE)
  writeLines(json, file.path(ref_dir, paste0(cs$name, ".json")), useBytes = TRUE)
  fm <- if (!is.null(out$fit_measures)) sprintf("chisq %.3f df %d npar %d", out$fit_measures$chisq,
                                               as.integer(out$fit_measures$df),
                                               as.integer(out$fit_measures$npar)) else "no fit"
  cat(sprintf("%-36s %-12s %s%s%s\n", cs$name, cs$expect, fm,
              if (length(warns)) sprintf("  [%d warning(s)]", length(warns)) else "",
              if (!is.null(err)) paste0("  ERROR: ", substr(err, 1, 60)) else ""))
}

old <- list.files(ref_dir, pattern = "\\.json$", full.names = TRUE)
invisible(file.remove(old))
for (cs in cases) fit_one(cs)
cat(length(cases), "cases written to", ref_dir, "\n")
