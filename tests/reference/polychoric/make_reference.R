# Reference values for csi_model.sem.polychoric (tests/test_polychoric.py).
# lavaan 0.6-14 and psych 2.2.9 (Debian's r-cran-lavaan, r-cran-psych). Run from this folder:
#   Rscript make_reference.R
# Writes bfi_items.csv (psych's bfi, the 25 personality items, 1-6, with its missing answers)
# and polychoric.json.
suppressMessages({library(lavaan); library(psych); library(jsonlite)})
data(bfi, package = "psych")
items <- bfi[, 1:25]
write.csv(items, "bfi_items.csv", row.names = FALSE, na = "")

out <- list(lavaan = as.character(packageVersion("lavaan")),
            psych = as.character(packageVersion("psych")))
case <- function(d, missing) {
  ord <- names(d)
  fit <- lavCor(d, ordered = ord, missing = missing, output = "fit")
  cor <- lavInspect(fit, "sampstat")$cov
  th <- lavInspect(fit, "sampstat")$th
  list(items = ord, cor = unname(as.matrix(cor)), th = unname(as.numeric(th)),
       th_names = names(th), n = lavInspect(fit, "nobs"))
}
# 1. ten items, listwise (lavaan's default)
out$listwise10 <- case(items[, 1:10], "listwise")
# 2. the same ten items, pairwise
out$pairwise10 <- case(items[, 1:10], "pairwise")
# 3. all 25 items, listwise, and psych's estimate of the same (no continuity correction)
out$listwise25 <- case(items, "listwise")
pc <- psych::polychoric(na.omit(items), correct = 0)
out$psych25 <- list(cor = unname(pc$rho), tau = unname(pc$tau))
# 4. binary items with an empty cell in a 2 x 2 table (lavaan adds 0.5 to it)
set.seed(1)
b <- data.frame(y1 = c(rep(1, 40), rep(2, 60)), y2 = c(rep(1, 30), rep(2, 10), rep(2, 60)),
                y3 = rbinom(100, 1, 0.4) + 1)
out$binary <- case(b, "listwise")
write.csv(b, "binary_items.csv", row.names = FALSE)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "polychoric.json")
