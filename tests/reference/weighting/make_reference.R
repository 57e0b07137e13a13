# Reference values for csi_model's weighting tests (tests/test_weighting.py), computed with
# base R (eigen, cor, stats::varimax) from the formulas cited in csi_model/weighting/.
#
# Run from the repository root:
#     Rscript tests/reference/weighting/make_reference.R
#
# 1. Exports 10 items of psych's bfi data set (A1-A5, C1-C5; complete rows) to
#    tests/data/bfi_ac.csv (Revelle, psych package; 1-6 answers from the SAPA project).
# 2. Writes tests/reference/weighting/reference.json:
#    - ahp: Saaty's (2008) drink-consumption matrix and three experts' 4 x 4 matrices:
#      principal eigenvector, lambda_max, CI, CR (Saaty's RI), and the element-wise
#      geometric mean of the experts' matrices with its eigenvector and CR;
#    - entropy and pca weights of the A block (one component) and of all 10 items
#      (varimax-rotated components, OECD/JRC handbook section 6.1).
#
# Needs: psych, jsonlite (Debian: r-cran-psych r-cran-jsonlite).

suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

ref_dir  <- file.path("tests", "reference", "weighting")
data_dir <- file.path("tests", "data")
if (!dir.exists(ref_dir) || !dir.exists(data_dir)) {
  stop("Run this script from the repository root: Rscript tests/reference/weighting/make_reference.R")
}

RI <- c(0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)

ahp_eigen <- function(A) {
  e <- eigen(A)
  k <- which.max(Re(e$values))
  w <- abs(Re(e$vectors[, k]))
  w <- w / sum(w)
  n <- nrow(A)
  lam <- Re(e$values[k])
  ci <- (lam - n) / (n - 1)
  list(weights = w, lambda_max = lam, ci = ci, cr = if (n <= 2) 0 else ci / RI[n])
}

drinks <- matrix(c(
  1,   9, 5,   2,   1,   1,   1/2,
  1/9, 1, 1/3, 1/9, 1/9, 1/9, 1/9,
  1/5, 3, 1,   1/3, 1/4, 1/3, 1/9,
  1/2, 9, 3,   1,   1/2, 1,   1/3,
  1,   9, 4,   2,   1,   2,   1/2,
  1,   9, 3,   1,   1/2, 1,   1/3,
  2,   9, 9,   3,   2,   3,   1), nrow = 7, byrow = TRUE)

recip <- function(upper, n) {             # upper triangle by rows -> reciprocal matrix
  A <- diag(n)
  A[lower.tri(A)] <- 0
  k <- 1
  for (i in 1:(n - 1)) for (j in (i + 1):n) { A[i, j] <- upper[k]; A[j, i] <- 1 / upper[k]; k <- k + 1 }
  A
}
experts <- list(recip(c(3, 5, 2, 2, 1/2, 1/3), 4),
                recip(c(2, 7, 3, 3, 1, 1/2), 4),
                recip(c(4, 4, 1, 1, 1/3, 1/4), 4))
gm <- exp(Reduce(`+`, lapply(experts, log)) / length(experts))

bfi_ac <- na.omit(psych::bfi[, c(paste0("A", 1:5), paste0("C", 1:5))])
write.csv(bfi_ac, file.path(data_dir, "bfi_ac.csv"), row.names = FALSE)
X <- read.csv(file.path(data_dir, "bfi_ac.csv"))

entropy_w <- function(X) {
  X <- as.matrix(X)
  Z <- sweep(sweep(X, 2, apply(X, 2, min)), 2, apply(X, 2, max) - apply(X, 2, min), "/")
  P <- sweep(Z, 2, colSums(Z), "/")
  e <- -colSums(ifelse(P > 0, P * log(P), 0)) / log(nrow(X))
  d <- 1 - e
  d / sum(d)
}

pca_w <- function(X) {
  e <- eigen(cor(X), symmetric = TRUE)
  m <- ncol(X)
  ok <- e$values > 1 & e$values / m > 0.10
  k <- max(1, sum(cumprod(ok)))
  L <- e$vectors[, 1:k, drop = FALSE] %*% diag(sqrt(e$values[1:k]), k)
  if (k > 1) L <- unclass(stats::varimax(L, normalize = TRUE, eps = 1e-14)$loadings)
  L2 <- L^2
  share <- sweep(L2, 2, colSums(L2), "/")
  cw <- colSums(L2) / sum(L2)
  f <- apply(share, 1, which.max)
  w <- cw[f] * share[cbind(seq_len(m), f)]
  list(weights = w / sum(w), components = k, explained = sum(e$values[1:k]) / m)
}

named <- function(x, nm) { out <- as.list(unname(x)); names(out) <- nm; out }
A_items <- paste0("A", 1:5)
all_items <- names(X)
pa <- pca_w(X[, A_items]); pall <- pca_w(X)

ref <- list(
  source = "base R eigen(), cor(), stats::varimax(normalize = TRUE); psych::bfi",
  r_version = R.version.string,
  ahp = list(
    drinks = c(list(matrix = drinks, labels = c("coffee", "wine", "tea", "beer", "sodas", "milk", "water")),
               ahp_eigen(drinks)),
    experts = list(matrices = experts, geometric_mean = gm, aggregated = ahp_eigen(gm),
                   expert_cr = sapply(experts, function(A) ahp_eigen(A)$cr))),
  entropy = list(A = named(entropy_w(X[, A_items]), A_items), all = named(entropy_w(X), all_items)),
  pca = list(A = list(weights = named(pa$weights, A_items), components = pa$components,
                      explained = pa$explained),
             all = list(weights = named(pall$weights, all_items), components = pall$components,
                        explained = pall$explained)))
writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(ref_dir, "reference.json"))
cat("Wrote", file.path(ref_dir, "reference.json"), "\n")
