#!/usr/bin/env Rscript
# Reference figures from R cSEM for csi's consistent PLS (PLSc) and PLS model fit (issue 14).
#
# Usage:  Rscript make_csem_reference.R /path/to/mobi.csv [outdir]
#   mobi.csv: the ECSI mobile-phone survey (first column a row id), as in ../shared/reference/.
#   outdir:   where the CSVs go (default: the directory of this script).
#
# Two fits of csi's built-in `ecsi` model (csi/model/models/ecsi.yaml), path weighting scheme:
#   plsc : every block reflective (`=~`), .disattenuate = TRUE            (csi --method plsc)
#   pls  : every block a composite (`<~`) with Mode A weights, .disattenuate = FALSE
#          (csi --method pls; cSEM's default for `<~` is Mode B, hence .PLS_modes)
# cSEM's default stop criterion (.tolerance = 1e-5 on the absolute weight change) is too loose
# for a 1e-6 comparison, so .tolerance = 1e-12 (.iter_max = 1000) is used; the fixed point does
# not depend on it.
suppressPackageStartupMessages(library(cSEM))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript make_csem_reference.R mobi.csv [outdir]")
script_dir <- tryCatch(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))),
                       error = function(e) ".")
outdir <- if (length(args) >= 2) args[2] else script_dir
dat <- read.csv(args[1], row.names = 1)
# lavaan's parser (used by cSEM) refuses a construct measured by an item of the same name, so the
# single item CUSCO is read as CUSCO_item and renamed back in every output
names(dat)[names(dat) == "CUSCO"] <- "CUSCO_item"
unrename <- function(x) sub("^CUSCO_item$", "CUSCO", x)

paths <- "
CUEX  ~ IMAG
PERQ  ~ CUEX
PERV  ~ CUEX + PERQ
CUSA  ~ IMAG + CUEX + PERQ + PERV
CUSCO ~ CUSA
CUSL  ~ IMAG + CUSA + CUSCO
"
blocks <- list(IMAG = paste0("IMAG", 1:5), CUEX = paste0("CUEX", 1:3), PERQ = paste0("PERQ", 1:7),
               PERV = paste0("PERV", 1:2), CUSA = paste0("CUSA", 1:3), CUSCO = "CUSCO_item",
               CUSL = paste0("CUSL", 1:3))
measurement <- function(op) paste(sprintf("%s %s %s", names(blocks), op,
                                          vapply(blocks, paste, "", collapse = " + ")), collapse = "\n")
model_plsc <- paste(paths, measurement("=~"), sep = "\n")
model_pls  <- paste(paths, measurement("<~"), sep = "\n")
modes_a <- setNames(as.list(rep("modeA", length(blocks))), names(blocks))

TOL <- 1e-12
res <- list(
  plsc = csem(dat, model_plsc, .disattenuate = TRUE, .PLS_weight_scheme_inner = "path",
              .tolerance = TOL, .iter_max = 1000),
  pls  = csem(dat, model_pls, .disattenuate = FALSE, .PLS_weight_scheme_inner = "path",
              .PLS_modes = modes_a, .tolerance = TOL, .iter_max = 1000)
)

wcsv <- function(x, name) {
  f <- file.path(outdir, name)
  write.csv(x, f, row.names = TRUE)
  cat("wrote", f, "\n")
}
options(digits = 15)  # write.csv keeps 15 significant digits

for (m in names(res)) {
  r <- res[[m]]
  E <- r$Estimates
  cat("\n==", m, "== iterations:", r$Information$Weight_info$Number_iterations,
      " converged:", r$Information$Weight_info$Convergence_status, "\n")
  v <- verify(r)
  print(v)
  # paths: row = from, column = to (cSEM stores row = dependent, column = predictor)
  wcsv(t(E$Path_estimates), sprintf("ecsi_mobi_%s_paths.csv", m))
  # outer model: weight and loading of every item (one construct per item)
  W <- E$Weight_estimates; L <- E$Loading_estimates
  item_con <- apply(W != 0, 2, function(z) rownames(W)[z])
  outer <- data.frame(construct = item_con, indicator = unrename(colnames(W)),
                      weight = colSums(W), loading = colSums(L))
  rownames(outer) <- outer$indicator
  wcsv(outer, sprintf("ecsi_mobi_%s_outer.csv", m))
  # construct correlations (disattenuated for plsc)
  wcsv(E$Construct_VCV, sprintf("ecsi_mobi_%s_construct_vcv.csv", m))
  # R² and reliabilities
  s <- summarize(r)
  r2 <- E$R2; r2adj <- E$R2adj
  wcsv(data.frame(r2 = r2, r2_adj = r2adj[names(r2)]), sprintf("ecsi_mobi_%s_r2.csv", m))
  a <- assess(r, .quality_criterion = c("srmr", "dl", "dg"))
  rel <- data.frame(rho_A = E$Reliabilities)
  wcsv(rel, sprintf("ecsi_mobi_%s_reliability.csv", m))
  # model fit: estimated model (assess() default) and saturated model
  f_est <- c(srmr = calculateSRMR(r), d_uls = calculateDL(r), d_g = calculateDG(r))
  f_sat <- c(srmr = calculateSRMR(r, .saturated = TRUE), d_uls = calculateDL(r, .saturated = TRUE),
             d_g = calculateDG(r, .saturated = TRUE))
  stopifnot(isTRUE(all.equal(unname(f_est), unname(c(a$SRMR, a$DL, a$DG)), tolerance = 1e-14)))
  wcsv(data.frame(estimated = f_est, saturated = f_sat), sprintf("ecsi_mobi_%s_model_fit.csv", m))
  sig <- fit(r); dimnames(sig) <- lapply(dimnames(sig), unrename)
  wcsv(sig, sprintf("ecsi_mobi_%s_sigma_estimated.csv", m))
  wcsv(`dimnames<-`(E$Indicator_VCV, lapply(dimnames(E$Indicator_VCV), unrename)), sprintf("ecsi_mobi_%s_item_corr.csv", m))
  # admissibility as cSEM's verify() sees it
  checks <- c("1" = "convergence", "2" = "all |standardized loadings| <= 1",
              "3" = "construct VCV positive semi-definite", "4" = "all reliabilities <= 1",
              "5" = "model-implied indicator VCV positive semi-definite")
  wcsv(data.frame(check = checks[names(v)], failed = as.logical(v)), sprintf("ecsi_mobi_%s_verify.csv", m))
}

# testOMF quantiles (Bollen-Stine bootstrap; Monte Carlo figures, recorded only)
if (!identical(Sys.getenv("CSEM_SKIP_OMF"), "1")) {
  # testOMF reads .Random.seed before seeding, which a fresh Rscript session does not have yet
  set.seed(20261130)
  for (m in names(res)) {
    t0 <- Sys.time()
    omf <- tryCatch(testOMF(res[[m]], .R = 499, .alpha = c(0.05, 0.01),
                                    .seed = 20261130, .handle_inadmissibles = "drop"),
                    error = function(e) { cat("testOMF", m, "failed:", conditionMessage(e), "\n"); NULL })
    if (is.null(omf)) next
    crit <- omf$Critical_value
    out <- data.frame(measure = names(omf$Test_statistic), statistic = unname(omf$Test_statistic),
                      crit[names(omf$Test_statistic), , drop = FALSE],
                      check.names = FALSE)
    out$runs_used <- omf$Information$Number_admissibles
    out$runs_total <- omf$Information$Total_runs
    cat("testOMF", m, "took", format(difftime(Sys.time(), t0)), "\n")
    wcsv(out, sprintf("ecsi_mobi_%s_testomf.csv", m))
  }
}

writeLines(c(sprintf("R %s", getRversion()), sprintf("cSEM %s", packageVersion("cSEM")),
             sprintf("lavaan %s", packageVersion("lavaan"))),
           file.path(outdir, "versions.txt"))
cat("done\n")
