# Reference values for csi_model's multi-group CB-SEM (measurement invariance, path tests).
# Run from the repository root:  Rscript tests/reference/lavaan_groups/make_reference.R
# Needs Debian's r-cran-lavaan (0.6-14) and r-cran-jsonlite. Writes one JSON per case here.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
ref_dir <- "tests/reference/lavaan_groups"
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")

ladder <- function(model, data, group) {
  steps <- list(configural = "", metric = "loadings",
                scalar = c("loadings", "intercepts"),
                strict = c("loadings", "intercepts", "residuals"))
  fits <- lapply(steps, function(eq) sem(model, data = data, group = group, group.equal = eq))
  measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
                "rmsea.ci.upper", "srmr", "aic", "bic", "logl", "npar", "baseline.chisq",
                "baseline.df")
  fm <- lapply(fits, function(f) as.list(fitMeasures(f, measures)))
  lrt <- lapply(2:length(fits), function(i) {
    t <- lavTestLRT(fits[[i - 1]], fits[[i]])
    list(from = names(fits)[i - 1], to = names(fits)[i], chisq_diff = t[2, "Chisq diff"],
         df_diff = t[2, "Df diff"], pvalue = t[2, "Pr(>Chisq)"])
  })
  est <- lapply(fits, function(f) {
    pe <- parameterEstimates(f)
    pe[, c("lhs", "op", "rhs", "group", "est", "se")]
  })
  list(fit_measures = fm, lrt = lrt, estimates = est,
       groups = lavInspect(fits[[1]], "group.label"), nobs = unlist(lavInspect(fits[[1]], "nobs")))
}

unused_path_wald <- function(model_text, data, group, paths) {
  # Wald test of equal structural paths across two groups, in the metric-invariance model
  out <- list()
  for (p in paths) {
    lhs <- p[1]; rhs <- p[2]
    lines <- strsplit(model_text, "\n")[[1]]
    extra <- sprintf("%s ~ c(a1, a2)*%s", lhs, rhs)
    m <- paste(c(lines, extra), collapse = "\n")
    f <- sem(m, data = data, group = group, group.equal = "loadings")
    w <- lavTestWald(f, constraints = "a1 == a2")
    pe <- parameterEstimates(f)
    r <- pe[pe$lhs == lhs & pe$op == "~" & pe$rhs == rhs, ]
    out[[length(out) + 1]] <- list(lhs = lhs, rhs = rhs, est = r$est, se = r$se,
                                   wald = w$stat, df = w$df, pvalue = w$p.value)
  }
  out
}

write_case <- function(name, x) {
  x$lavaan_version <- as.character(packageVersion("lavaan"))
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE,
                    dataframe = "rows"), file.path(ref_dir, paste0(name, ".json")))
}

hs <- read.csv("tests/data/holzinger_swineford.csv")
hs_model <- read_model("tests/reference/lavaan/holzinger.lav")
write_case("holzinger_school", ladder(hs_model, hs, "school"))

waves <- read.csv("tests/data/telecom_two_waves.csv", colClasses = c(wave = "character"))
tel_model <- read_model("tests/reference/lavaan/telecom.lav")
res <- ladder(tel_model, waves, "wave")
# a structural line already exists for every path; an extra labelled line would duplicate it,
# so the Wald model drops the original line's term by rewriting the structural part.
struct <- list(c("EXPE", "IMAG"), c("QUAL", "EXPE"), c("VAL", "EXPE"), c("VAL", "QUAL"),
               c("SAT", "IMAG"), c("SAT", "EXPE"), c("SAT", "QUAL"), c("SAT", "VAL"),
               c("COMP", "SAT"), c("LOY", "SAT"), c("LOY", "COMP"), c("LOY", "IMAG"))
meas <- grep("=~", strsplit(tel_model, "\n")[[1]], value = TRUE)
wald <- list()
for (p in struct) {
  lines <- meas
  for (q in struct) {
    lab <- if (identical(p, q)) "c(a1, a2)*" else ""
    lines <- c(lines, sprintf("%s ~ %s%s", q[1], lab, q[2]))
  }
  f <- sem(paste(lines, collapse = "\n"), data = waves, group = "wave", group.equal = "loadings")
  w <- lavTestWald(f, constraints = "a1 == a2")
  pe <- parameterEstimates(f)
  r <- pe[pe$lhs == p[1] & pe$op == "~" & pe$rhs == p[2], ]
  wald[[length(wald) + 1]] <- list(lhs = p[1], rhs = p[2], est = r$est, se = r$se,
                                   wald = w$stat, df = w$df, pvalue = w$p.value)
}
res$path_wald <- wald
write_case("telecom_two_waves", res)
cat("holzinger by school and telecom two waves written\n")
