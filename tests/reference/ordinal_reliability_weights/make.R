# Reference values for csi_model.ordinal_reliability(..., weights="w")
# (tests/test_ordinal_reliability_weights.py): sampling-weighted polychoric correlations
# (lavaan 0.6-14's lavInspect(fit, "sampstat") of the weighted ordinal fit; see below why not
# lavCor), ordinal alpha (psych::alpha on that matrix) and omega of ordered items from the weighted WLSMV CFA
# cfa(model, data, ordered = TRUE, sampling.weights = "w") with semTools::compRelSEM on the
# latent-response scale (ord.scale = FALSE) and the observed ordinal scale (ord.scale = TRUE),
# as the unweighted ../ordinal_reliability/make_reference.R.
# Data: ../lavaan_weights_groups_ordinal/bfi_gender_weighted.csv (psych's bfi, complete rows,
# with its weight w; bfi's reverse-keyed A1, C4, C5 flipped 7 - x here) and
# ../lavaan_weights_groups_ordinal/telecom5_weighted.csv (simulated, 4 categories, with w;
# the operator column is not used: one group).
# Run from this folder: Rscript make.R
suppressMessages({library(lavaan); library(semTools); library(psych); library(jsonlite)})
stopifnot(as.character(packageVersion("lavaan")) == "0.6.14")
src <- "../lavaan_weights_groups_ordinal"

case <- function(d, model, blocks) {
  items <- unlist(blocks, use.names = FALSE)
  fit <- cfa(model, data = d, ordered = TRUE, sampling.weights = "w")
  # the weighted polychoric matrix: the sample statistics of the weighted fit (the same for
  # any model of these items). lavaan 0.6-14's lavCor(d, ordered =, sampling.weights = "w")
  # does not weight: on a data frame it builds its data without the weights (and takes w as
  # one more variable), so its matrix is the unweighted one -- kept below to show it.
  R <- lavInspect(fit, "sampstat")$cov[items, items]
  cor_R <- lavCor(d[, c(items, "w")], ordered = items, sampling.weights = "w", output = "cor")
  stopifnot(max(abs(cor_R[items, items] - lavCor(d[, items], ordered = items,
                                                 output = "cor"))) < 1e-12)
  list(model = model, n = nrow(d), items = items,
       kish_n = sum(d$w)^2 / sum(d$w^2),
       polychoric = unname(unclass(R)),
       lavcor_unweighted = unname(unclass(lavCor(d[, items], ordered = items, output = "cor"))),
       thresholds = as.list(lavInspect(fit, "sampstat")$th),
       omega_latent = as.list(compRelSEM(fit, ord.scale = FALSE)),
       omega_ordinal = as.list(compRelSEM(fit, ord.scale = TRUE)),
       alpha_ordinal = lapply(blocks, function(b)
         psych::alpha(R[b, b], warnings = FALSE)$total$raw_alpha),
       unweighted = list(
         omega_latent = as.list(compRelSEM(cfa(model, data = d, ordered = TRUE),
                                           ord.scale = FALSE))))
}

b <- read.csv(file.path(src, "bfi_gender_weighted.csv"))
b$gender <- NULL
for (v in c("A1", "C4", "C5")) b[[v]] <- 7L - b[[v]]   # as read_survey flips with a codebook
bfi <- case(b, "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5",
            list(agree = c("A1", "A2", "A3", "A4", "A5"), consc = c("C1", "C2", "C3", "C4", "C5")))

tel <- read.csv(file.path(src, "telecom5_weighted.csv"))
tel$operator <- NULL
telecom <- case(tel, "QUAL =~ QUAL1 + QUAL2 + QUAL3 + QUAL4\nSAT =~ SAT1 + SAT2 + SAT3\nLOY =~ LOY1 + LOY2 + LOY3",
                list(QUAL = c("QUAL1", "QUAL2", "QUAL3", "QUAL4"), SAT = c("SAT1", "SAT2", "SAT3"),
                     LOY = c("LOY1", "LOY2", "LOY3")))

out <- list(lavaan = as.character(packageVersion("lavaan")),
            semTools = as.character(packageVersion("semTools")),
            psych = as.character(packageVersion("psych")),
            bfi = bfi, telecom = telecom)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "reference.json")
cat("written reference.json\n")
