# Reference values for csi_model's multi-group model language (issue 15, points 3 and 6):
# c() modifiers with ':=' differences, small groups, std.lv / std.nox, R² per group and
# modification indices. Run from the repository root:
#   Rscript tests/reference/lavaan_groups_language/make_reference.R
# Needs Debian's r-cran-lavaan (0.6-14) and r-cran-jsonlite. Writes one JSON per case here.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
ref_dir <- "tests/reference/lavaan_groups_language"
# nlminb's default rel.tol (1e-10) leaves estimates up to ~2e-5 (relative) from the optimum
# and tighter rel.tol values make nlminb report a false convergence. Each model is also fitted
# with lavaan's Gauss-Newton optimizer at a tight step tolerance (BFGS with reltol 1e-14 lands
# on the same optimum); the fit with the smaller discrepancy is kept (GN stops short on the
# model with equal intercepts and c() labels, where nlminb's default is better).
sem <- function(...) {
  f <- lavaan::sem(...)
  gn <- try(lavaan::sem(..., optim.method = "GN", optim.gn.tol.x = 1e-14,
                        optim.gn.iter.max = 1000L), silent = TRUE)
  if (!inherits(gn, "try-error") && lavInspect(gn, "converged") &&
      fitMeasures(gn, "fmin") < fitMeasures(f, "fmin")) f <- gn
  f
}
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")
write_case <- function(name, x) {
  x$lavaan_version <- as.character(packageVersion("lavaan"))
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE,
                    dataframe = "rows"), file.path(ref_dir, paste0(name, ".json")))
}
measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic", "logl",
              "npar", "baseline.chisq", "baseline.df")
std_cols <- c("lhs", "op", "rhs", "est.std", "se")
one_fit <- function(f, model) {
  pe <- parameterEstimates(f)
  keep <- intersect(c("lhs", "op", "rhs", "group", "label", "est", "se"), names(pe))
  out <- list(model = model, optimizer = lavInspect(f, "options")$optim.method,
              fit_measures = as.list(fitMeasures(f, measures)),
              estimates = pe[, keep])
  for (type in c("std.all", "std.lv", "std.nox")) {
    s <- standardizedSolution(f, type = type)
    out[[type]] <- s[, intersect(c("lhs", "op", "rhs", "group", "est.std", "se"), names(s))]
  }
  r2 <- lavInspect(f, "r2")
  out$r2 <- if (is.list(r2)) lapply(r2, as.list) else as.list(r2)
  if (lavInspect(f, "ngroups") > 1) {
    out$groups <- lavInspect(f, "group.label")
    out$nobs <- unlist(lavInspect(f, "nobs"))
  }
  mi <- modindices(f)
  out$modindices <- mi[, intersect(c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv",
                                     "sepc.all", "sepc.nox"), names(mi))]
  out
}

hs <- read.csv("tests/data/holzinger_swineford.csv")
hs_model <- read_model("tests/reference/lavaan/holzinger.lav")
pd <- read.csv("tests/data/political_democracy.csv")
pd_model <- read_model("tests/reference/lavaan/political_democracy.lav")
fb <- read.csv("tests/data/facial_burns.csv")

# --- c() labels and ':=' differences, HolzingerSwineford1939 by school -------------------
hs_c <- "
visual  =~ x1 + c(v2a, v2b)*x2 + c(v3a, v3b)*x3
textual =~ x4 + c(t5, t5)*x5 + x6
speed   =~ x7 + x8 + c(0.5, NA)*x9
d2 := v2a - v2b
d3 := v3b - v3a
r2 := v2b / v2a
"
hs_free_marker <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ c(NA, 1)*x7 + x8 + x9
speed ~~ c(1, NA)*speed
"
cases <- list(
  hs_c_configural = sem(hs_c, data = hs, group = "school"),
  hs_c_metric = sem(hs_c, data = hs, group = "school", group.equal = "loadings"),
  hs_c_scalar_partial = sem(hs_c, data = hs, group = "school",
                            group.equal = c("loadings", "intercepts"), group.partial = "x3~1"),
  hs_free_marker = sem(hs_free_marker, data = hs, group = "school"),
  # --- modification indices and standardized solutions --------------------------------
  hs_single = sem(hs_model, data = hs),
  hs_school = sem(hs_model, data = hs, group = "school"),
  hs_school_metric = sem(hs_model, data = hs, group = "school", group.equal = "loadings"),
  pd_single = sem(pd_model, data = pd),
  # without dem65 ~ ind60: the regression's MI is there to find
  pd_reduced = sem(sub("dem65 ~ ind60 + dem60", "dem65 ~ dem60", pd_model, fixed = TRUE),
                   data = pd),
  # --- small groups: FacialBurns by Sex (60 and 17) -------------------------------------
  fb_single = sem("Selfesteem ~ HADS + Age + TBSA + RUM", data = fb),
  fb_sex = sem("Selfesteem ~ HADS + Age + TBSA + RUM", data = fb, group = "Sex"),
  fb_sex_c = sem("
Selfesteem ~ Age + c(m1, f1)*TBSA + c(m3, f3)*HADS
HADS ~ Age + c(m2, f2)*TBSA + RUM
ind_m := m2 * m3
ind_f := f2 * f3
ind_diff := ind_m - ind_f
tbsa_diff := m1 - f1
", data = fb, group = "Sex")
)
models <- list(hs_c_configural = hs_c, hs_c_metric = hs_c, hs_c_scalar_partial = hs_c,
               hs_free_marker = hs_free_marker, hs_single = hs_model, hs_school = hs_model,
               hs_school_metric = hs_model, pd_single = pd_model,
               pd_reduced = sub("dem65 ~ ind60 + dem60", "dem65 ~ dem60", pd_model, fixed = TRUE),
               fb_single = "Selfesteem ~ HADS + Age + TBSA + RUM",
               fb_sex = "Selfesteem ~ HADS + Age + TBSA + RUM",
               fb_sex_c = NA)
for (name in names(cases)) write_case(name, one_fit(cases[[name]], models[[name]]))

# --- errors lavaan gives for c() of the wrong length ------------------------------------
err <- tryCatch(sem("visual =~ x1 + c(a, b, c)*x2 + x3", data = hs, group = "school"),
                error = function(e) conditionMessage(e))
err1 <- tryCatch(sem("visual =~ x1 + c(a, b)*x2 + x3", data = hs),
                 error = function(e) conditionMessage(e))
write_case("errors", list(wrong_length = err, single_group = err1))

# --- score tests of the equality constraints (lavTestScore), by school --------------------
score_case <- function(f) {
  pt <- parTable(f)
  where <- function(pl) {
    r <- pt[pt$plabel == pl, ]
    list(group = r$group, lhs = r$lhs, op = r$op, rhs = r$rhs)
  }
  uni <- lavTestScore(f)$uni
  rows <- lapply(seq_len(nrow(uni)), function(i) {
    list(a = where(uni$lhs[i]), b = where(uni$rhs[i]), X2 = uni$X2[i], df = uni$df[i],
         pvalue = uni$p.value[i])
  })
  list(total = as.list(lavTestScore(f)$test), uni = rows)
}
write_case("score_hs_metric", score_case(cases$hs_school_metric))
write_case("score_hs_scalar", score_case(sem(hs_model, data = hs, group = "school",
                                             group.equal = c("loadings", "intercepts"))))
write_case("score_hs_c_metric", score_case(cases$hs_c_metric))
