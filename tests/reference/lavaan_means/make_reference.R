# Reference results of lavaan 0.6-14 for mean structures (tests/test_means.py):
# meanstructure = TRUE, user intercepts and means ('~ 1'), labelled intercepts in ':=',
# growth() models, and the latent means of a scalar-invariance multi-group model.
#
# Run from the repository root:
#     Rscript tests/reference/lavaan_means/make_reference.R
# Data (tests/data/, see README.md there): holzinger_swineford.csv, political_democracy.csv,
# demo_growth.csv (lavaan::Demo.growth) and telecom_operators.csv (simulated with csi_model,
# tests/data/make_telecom_operators.py). Writes one JSON per case to this folder.
# Needs: lavaan 0.6-14, jsonlite.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
ref_dir <- file.path("tests", "reference", "lavaan_means")
data_dir <- file.path("tests", "data")
stopifnot(dir.exists(ref_dir), packageVersion("lavaan") == "0.6.14")
read_data <- function(file) read.csv(file.path(data_dir, file), na.strings = c("", "NA"))
named_list <- function(x) { out <- as.list(unname(as.numeric(x))); names(out) <- names(x); out }

HS3 <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
PD <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"
GROWTH <- "i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4
s =~ 0*t1 + 1*t2 + 2*t3 + 3*t4"
GROWTH_COV <- paste(GROWTH, "i ~ x1 + x2
s ~ x1 + x2
t1 ~ c1
t2 ~ c2
t3 ~ c3
t4 ~ c4", sep = "\n")
TELECOM <- paste(readLines("models/telecom.lav", warn = FALSE), collapse = "\n")

case <- function(name, fun, model, data, options = list(), note = "", group = NULL, boot = 0) {
  list(name = name, fun = fun, model = model, data = data, options = options, note = note,
       group = group, boot = boot)
}
cases <- list(
  case("hs_meanstructure", "cfa", HS3, "holzinger_swineford.csv", list(meanstructure = TRUE)),
  case("hs_meanstructure_mlr", "cfa", HS3, "holzinger_swineford.csv",
       list(meanstructure = TRUE, estimator = "MLR")),
  case("hs_user_intercepts", "cfa", paste(HS3, "x1 ~ 1\nx4 ~ 1\nx7 ~ 1", sep = "\n"),
       "holzinger_swineford.csv", note = "any '~1' turns the mean structure on"),
  case("hs_labelled_intercepts", "cfa",
       paste(HS3, "x1 ~ i1*1\nx2 ~ i2*1\nx3 ~ start(2)*1\nd21 := i2 - i1\nr := i2 / i1", sep = "\n"),
       "holzinger_swineford.csv", note = "labelled intercepts used in ':='"),
  case("hs_latent_mean_identification", "cfa",
       paste(HS3, "x1 ~ 0*1\nvisual ~ NA*1\nx4 ~ 0*1\ntextual ~ 1", sep = "\n"),
       "holzinger_swineford.csv",
       note = "latent means freed, identified by fixing a marker intercept at 0"),
  case("pd_mean_change", "sem",
       paste(PD, "y1 ~ a*1\ny5 ~ a*1\ny2 ~ b*1\ny6 ~ b*1\ny3 ~ c*1\ny7 ~ c*1\ny4 ~ d*1\ny8 ~ d*1",
             "dem65 ~ NA*1\nchange := 0 - a", sep = "\n"),
       "political_democracy.csv",
       note = "equal intercepts of the same items in 1960 and 1965, the 1965 latent intercept free: a mean structure that is not saturated"),
  case("pd_meanstructure", "sem", PD, "political_democracy.csv", list(meanstructure = TRUE)),
  case("pd_meanstructure_mlr", "sem", PD, "political_democracy.csv",
       list(meanstructure = TRUE, estimator = "MLR")),
  case("growth_linear", "growth", GROWTH, "demo_growth.csv",
       note = "lavaan's growth tutorial, first model", boot = 100),
  case("growth_linear_mlr", "growth", GROWTH, "demo_growth.csv", list(estimator = "MLR")),
  case("growth_covariates", "growth", GROWTH_COV, "demo_growth.csv",
       note = "lavaan's growth tutorial: time-invariant (x1, x2) and time-varying (c1-c4) covariates",
       boot = 50),
  case("growth_covariates_mlr", "growth", GROWTH_COV, "demo_growth.csv", list(estimator = "MLR")),
  case("hs_scalar_school", "cfa", HS3, "holzinger_swineford.csv",
       list(group.equal = c("loadings", "intercepts")), group = "school",
       note = "scalar invariance: latent means free in the second group"),
  case("hs_scalar_school_fixed_mean", "cfa", paste(HS3, "visual ~ 0*1", sep = "\n"),
       "holzinger_swineford.csv", list(group.equal = c("loadings", "intercepts")),
       group = "school", note = "a latent mean the model fixes stays fixed in every group"),
  case("growth_two_groups", "growth", GROWTH, "demo_growth.csv", group = "half",
       note = "growth() by group: rows 1-200 'first', 201-400 'second' (column added here)"),
  case("telecom_scalar_operator", "sem", TELECOM, "telecom_operators.csv",
       list(group.equal = c("loadings", "intercepts")), group = "operator",
       note = "scalar invariance across three simulated operators")
)

# the model-implied latent means of groups 2.. minus group 1's, with delta-method SEs from
# lavaan's vcov() and the complex-step Jacobian of lavaan's own implied means (computeEETA)
implied_lv_means <- function(fit) {
  x0 <- lavaan:::lav_model_get_parameters(fit@Model)
  eeta <- function(x) {
    M <- lavaan:::lav_model_set_parameters(fit@Model, x)
    unlist(lavaan:::computeEETA(M, lavsamplestats = fit@SampleStats))
  }
  J <- lavaan:::lav_func_jacobian_complex(eeta, x0)
  V <- vcov(fit)
  est <- eeta(x0)
  G <- lavInspect(fit, "ngroups"); lv <- lavNames(fit, "lv"); k <- length(lv)
  rows <- list()
  for (g in 2:G) for (j in seq_len(k)) {
    a <- (g - 1) * k + j
    dj <- J[a, ] - J[j, ]
    rows[[length(rows) + 1]] <- data.frame(latent = lv[j], group = lavInspect(fit, "group.label")[g],
      implied = est[a] - est[j], implied.se = sqrt(drop(t(dj) %*% V %*% dj)))
  }
  do.call(rbind, rows)
}

fit_one <- function(cs) {
  data <- read_data(cs$data)
  if (identical(cs$group, "half")) data$half <- rep(c("first", "second"), each = 200)
  args <- c(list(model = cs$model, data = data), cs$options)
  if (!is.null(cs$group)) {
    data[[cs$group]] <- as.character(data[[cs$group]])
    args$data <- data
    args$group <- cs$group
  }
  warns <- character(0)
  fit <- withCallingHandlers(do.call(cs$fun, args), warning = function(w) {
    warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning")
  })
  stopifnot(lavInspect(fit, "converged"))
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  key <- function(d) paste(d$lhs, d$op, d$rhs, if (is.null(d$group)) 1 else d$group)
  pe$std.all <- ss$est.std[match(key(pe), key(ss))]
  pe$se.std <- ss$se[match(key(pe), key(ss))]
  pt <- parTable(fit)
  pe$exo <- pt$exo[match(key(pe), key(pt))]
  pe$free <- pt$free[match(key(pe), key(pt))]
  cols <- intersect(c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                      "ci.lower", "ci.upper", "std.all", "se.std", "exo", "free"), names(pe))
  out <- list(lavaan_version = as.character(packageVersion("lavaan")), case = cs$name,
              fun = cs$fun, model = cs$model, data_file = file.path("tests", "data", cs$data),
              options = cs$options, group = cs$group, note = cs$note,
              lavaan_warnings = as.list(warns), n = sum(unlist(lavInspect(fit, "nobs"))),
              estimates = pe[, cols], fit_measures = named_list(fitMeasures(fit)))
  if (cs$boot > 0) {
    # refit each resample with lavaan, as se = "bootstrap" does, on indices drawn here
    set.seed(15)
    n <- nrow(data)
    idx <- t(replicate(cs$boot, sample.int(n, replace = TRUE)))
    reps <- matrix(NA_real_, cs$boot, length(coef(fit)))
    ok <- logical(cs$boot)
    for (b in seq_len(cs$boot)) {
      args_b <- args
      args_b$data <- data[idx[b, ], ]
      fb <- suppressWarnings(do.call(cs$fun, args_b))
      ok[b] <- lavInspect(fb, "converged")
      if (ok[b]) reps[b, ] <- coef(fb)
    }
    out$bootstrap <- list(B = cs$boot, seed = 15, idx = idx, names = names(coef(fit)),
                          replicates = reps, converged = ok)
  }
  if (!is.null(cs$group)) {
    out$groups <- lavInspect(fit, "group.label")
    out$nobs <- unlist(lavInspect(fit, "nobs"))
    lm <- pe[pe$op == "~1" & pe$lhs %in% lavNames(fit, "lv"), ]
    out$latent_means <- lm[, c("lhs", "group", "est", "se", "z", "pvalue", "ci.lower", "ci.upper")]
    if ("intercepts" %in% cs$options$group.equal) out$implied_latent_means <- implied_lv_means(fit)
  }
  writeLines(toJSON(out, dataframe = "rows", auto_unbox = TRUE, digits = NA, na = "null",
                    null = "null", pretty = TRUE),
             file.path(ref_dir, paste0(cs$name, ".json")), useBytes = TRUE)
  fm <- out$fit_measures
  cat(sprintf("%-32s chisq %10.4f df %3d npar %3d%s\n", cs$name, fm$chisq, as.integer(fm$df),
              as.integer(fm$npar), if (length(warns)) paste0("  [", length(warns), " warning(s)]") else ""))
}
for (cs in cases) fit_one(cs)
