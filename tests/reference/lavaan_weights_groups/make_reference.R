# Reference values for sampling-weighted multi-group CB-SEM (csi_model.fit_multigroup(...,
# weights=), invariance(..., weights=)): lavaan 0.6-14's group= with sampling.weights=.
# Run from the repository root:
#   Rscript tests/reference/lavaan_weights_groups/make_reference.R
# Writes hs_weighted.csv (HolzingerSwineford1939 with a post-stratification weight) and
# reference.json here. lavaan 0.6-14 with sampling.weights: estimator ML becomes MLR
# (robust.huber.white SEs, yuan.bentler.mplus test); the weights are normalized over all
# groups together (sampling.weights.normalization = "total"), and a group's N in the
# likelihood is the sum of its weights.
suppressMessages({library(lavaan); library(jsonlite)})
stopifnot(as.character(packageVersion("lavaan")) == "0.6.14")
ref_dir <- "tests/reference/lavaan_weights_groups"
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")

# ---- HolzingerSwineford1939: post-stratification by sex x grade to stated margins
# (illustrative): sex 1 48 %, 2 52 %; grade 7 55 %, 8 45 % of those with a grade; the one
# pupil without a grade keeps weight 1. Cell target = product of the margins; weight =
# target share / sample share of the cell (over the whole sample, both schools).
hs <- lavaan::HolzingerSwineford1939
has_grade <- !is.na(hs$grade)
cell <- paste(hs$sex, ifelse(has_grade, hs$grade, 0))
share <- table(cell[has_grade]) / sum(has_grade)
s_target <- c("1" = 0.48, "2" = 0.52)
g_target <- c("7" = 0.55, "8" = 0.45)
hs$w <- 1
hs$w[has_grade] <- as.numeric(s_target[as.character(hs$sex[has_grade])] *
  g_target[as.character(hs$grade[has_grade])] / share[cell[has_grade]])
out_csv <- hs[, c("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "school", "sex",
                  "grade", "ageyr", "w")]
out_csv$w <- sprintf("%.15g", out_csv$w)
for (v in paste0("x", 1:9)) out_csv[[v]] <- sprintf("%.15g", out_csv[[v]])
write.csv(out_csv, file.path(ref_dir, "hs_weighted.csv"), row.names = FALSE, quote = FALSE,
          na = "")
hs <- read.csv(file.path(ref_dir, "hs_weighted.csv"))

measures <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
              "cfi.robust", "tli.robust", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
              "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
              "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "srmr",
              "logl", "unrestricted.logl", "aic", "bic")
one <- function(f) {
  pe <- parameterEstimates(f, remove.nonfree = FALSE)
  list(options = lavInspect(f, "options")[c("estimator", "se", "test", "information",
                                            "sampling.weights.normalization")],
       nobs = unlist(lavInspect(f, "nobs")),
       weighted_nobs = unlist(f@SampleStats@nobs),
       groups = lavInspect(f, "group.label"),
       estimates = pe[, c("lhs", "op", "rhs", "group", "est", "se")],
       fit = as.list(fitMeasures(f, measures)))
}
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))
ladder <- function(model, data, group, weights, steps) {
  fits <- lapply(steps, function(eq) sem(model, data = data, group = group,
                                         group.equal = eq, sampling.weights = weights))
  lrt <- lapply(2:length(fits), function(i) {
    t <- lavTestLRT(fits[[i - 1]], fits[[i]])   # default method for MLR: satorra.bentler.2001
    list(from = names(fits)[i - 1], to = names(fits)[i], chisq_diff = t[2, "Chisq diff"],
         df_diff = t[2, "Df diff"], pvalue = t[2, "Pr(>Chisq)"],
         method = attr(t, "heading"))
  })
  list(fits = lapply(fits, one), lrt = lrt)
}

out <- list(lavaan = as.character(packageVersion("lavaan")))
hs_model <- read_model("tests/reference/lavaan/holzinger.lav")
out$holzinger <- ladder(hs_model, hs, "school", "w", steps)
# estimator = "ML" gives the same numbers (lavaan turns it into MLR with sampling weights)
out$holzinger_configural_ML <- one(cfa(hs_model, data = hs, group = "school",
                                       sampling.weights = "w", estimator = "ML"))
# the unweighted configural fit, to show the weights change it
out$holzinger_unweighted_MLR <- one(cfa(hs_model, data = hs, group = "school",
                                        estimator = "MLR"))
# with "group" normalization (each group's weights sum to its n), for the note in the docs
out$holzinger_configural_groupnorm <- one(cfa(hs_model, data = hs, group = "school",
                                              sampling.weights = "w",
                                              sampling.weights.normalization = "group"))

# an observed predictor (fixed.x = TRUE, lavaan's default): configural and metric
hs_x <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
textual ~ visual + ageyr'
out$holzinger_fixedx <- ladder(hs_x, hs, "school", "w", steps[1:2])
out$holzinger_randomx <- one(sem(hs_x, data = hs, group = "school", sampling.weights = "w",
                                  fixed.x = FALSE))

# ---- the simulated telecom survey with its weight, two groups by row parity
tel <- read.csv("tests/data/telecom_weighted.csv")
tel$op <- ifelse(seq_len(nrow(tel)) %% 2 == 1, "A", "B")
tel_model <- read_model("tests/reference/lavaan/telecom.lav")
out$telecom <- ladder(tel_model, tel, "op", "w", steps[1:3])
# Wald test of equal SAT ~ QUAL across the groups in the weighted metric model (robust vcov)
tel_lines <- strsplit(tel_model, "\n")[[1]]
tel_lines <- sub("^SAT  ~ IMAG \\+ EXPE \\+ QUAL \\+ VAL", "SAT ~ IMAG + EXPE + c(a1, a2)*QUAL + VAL",
                 tel_lines)
stopifnot(any(grepl("c(a1, a2)*QUAL", tel_lines, fixed = TRUE)))
f <- sem(paste(tel_lines, collapse = "\n"), data = tel, group = "op", group.equal = "loadings",
         sampling.weights = "w")
w <- lavTestWald(f, constraints = "a1 == a2")
pe <- parameterEstimates(f)
r <- pe[pe$lhs == "SAT" & pe$op == "~" & pe$rhs == "QUAL", ]
out$telecom_wald_sat_qual <- list(est = r$est, se = r$se, wald = w$stat, df = w$df,
                                  pvalue = w$p.value)

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null",
                  dataframe = "rows"), file.path(ref_dir, "reference.json"))
cat("written", file.path(ref_dir, "reference.json"), "\n")
