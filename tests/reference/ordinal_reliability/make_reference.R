# Reference values for csi_model.measurement.ordinal (tests/test_ordinal_reliability.py):
# ordinal alpha (psych::alpha on the polychoric matrix, Zumbo, Gadermann & Zeisser 2007) and
# omega of ordered items from the WLSMV CFA with semTools::compRelSEM -- on the latent
# response scale (ord.scale = FALSE) and on the observed ordinal scale (ord.scale = TRUE,
# Green & Yang 2009). lavaan 0.6-14, semTools 0.5-6, psych 2.2.9. Data: psych's bfi items
# (../polychoric/bfi_items.csv), complete cases, reverse-keyed items flipped (bfi_keyed.csv). Run from this folder: Rscript make_reference.R
suppressMessages({library(lavaan); library(semTools); library(psych); library(jsonlite)})
bfi <- read.csv("../polychoric/bfi_items.csv")
d <- na.omit(bfi[, c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5")])
# bfi's reverse-keyed items, flipped (7 - x on 1-6) as read_survey does with a codebook
for (v in c("A1", "C4", "C5")) d[[v]] <- 7L - d[[v]]
write.csv(d, "bfi_keyed.csv", row.names = FALSE)
model <- "agree =~ A1 + A2 + A3 + A4 + A5\n consc =~ C1 + C2 + C3 + C4 + C5"
fit <- cfa(model, data = d, ordered = TRUE)
alpha_of <- function(items) {
  rho <- polychoric(d[, items], correct = 0)$rho
  psych::alpha(rho, warnings = FALSE)$total$raw_alpha
}
out <- list(
  model = model, n = nrow(d),
  omega_latent = as.list(compRelSEM(fit, ord.scale = FALSE)),
  omega_ordinal = as.list(compRelSEM(fit, ord.scale = TRUE)),
  alpha_ordinal = list(agree = alpha_of(c("A1", "A2", "A3", "A4", "A5")),
                       consc = alpha_of(c("C1", "C2", "C3", "C4", "C5"))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "reliability.json")

# EFA of the polychoric correlations (psych::fa, minres + oblimin, no zero-cell correction)
efa <- psych::fa(d, nfactors = 2, fm = "minres", rotate = "oblimin", cor = "poly", correct = 0)
efa_out <- list(loadings = unname(unclass(efa$loadings)), communality = unname(efa$communality),
                phi = unname(efa$Phi), items = names(d))
writeLines(toJSON(efa_out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "efa_poly.json")
