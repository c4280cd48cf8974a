# lavaan 0.6 reference for csi's CB-SEM (csi/cbsem.py); tests/reference/test_cbsem_lavaan.py reads what this writes.
#
# Run from the repository root (needs R and lavaan 0.6, e.g. Debian's r-cran-lavaan):
#     .venv/bin/python tests/reference_lavaan/make_data.py     # the two synthetic CSVs
#     Rscript tests/reference_lavaan/ecsi_synthetic.R           # writes tests/reference_lavaan/output/
#
# Data: ecsi_synthetic.csv (n = 2000, a known ECSI population, continuous items),
#       ecsi_inadmissible.csv (n = 250, CUSA and CUSL correlate 0.99 in the population),
#       ../shared/reference/mobi.csv (the ECSI mobile-phone survey, n = 250).
# Model: the ECSI model exactly as csi fits it: marker-variable identification (first loading
# of every construct fixed to 1, lavaan's default); the single item CUSCO measures its construct
# without error (loading 1, error variance 0); no covariances among disturbances.
# lavaan defaults otherwise: likelihood "normal" (N, not N - 1), expected information, no
# mean structure, negative variances allowed (they are what the admissibility checks look for).
# For GLS, ULS and DWLS lavaan uses the N - 1 covariance matrix and N - 1 in the test statistic.

suppressPackageStartupMessages(library(lavaan))

here <- "tests/reference_lavaan"
out <- file.path(here, "output")
dir.create(out, showWarnings = FALSE)

model <- '
  IMAG =~ 1*IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
  CUEX =~ 1*CUEX1 + CUEX2 + CUEX3
  PERQ =~ 1*PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
  PERV =~ 1*PERV1 + PERV2
  CUSA =~ 1*CUSA1 + CUSA2 + CUSA3
  CUSCO_lv =~ 1*CUSCO
  CUSCO ~~ 0*CUSCO
  CUSL =~ 1*CUSL1 + CUSL2 + CUSL3
  CUEX ~ IMAG
  PERQ ~ CUEX
  PERV ~ CUEX + PERQ
  CUSA ~ IMAG + CUEX + PERQ + PERV
  CUSCO_lv ~ CUSA
  CUSL ~ IMAG + CUSA + CUSCO_lv
'

run <- function(name, data, estimator = "ML", se = "standard") {
  warns <- character()
  fit <- withCallingHandlers(
    sem(model, data = data, estimator = estimator, se = se),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit, type = "std.all")
  ss <- ss[, c("lhs", "op", "rhs", "est.std", "se", "z", "pvalue")]
  names(ss)[5:7] <- c("std.se", "std.z", "std.pvalue")
  est <- merge(pe, ss, by = c("lhs", "op", "rhs"), sort = FALSE)
  write.csv(est, file.path(out, paste0(name, "_estimates.csv")), row.names = FALSE)
  fm <- fitMeasures(fit)
  write.csv(data.frame(measure = names(fm), value = unname(as.numeric(fm))),
            file.path(out, paste0(name, "_fit.csv")), row.names = FALSE)
  r2 <- lavInspect(fit, "rsquare")
  write.csv(data.frame(variable = names(r2), r2 = unname(r2)),
            file.path(out, paste0(name, "_r2.csv")), row.names = FALSE)
  write.csv(lavInspect(fit, "cov.lv"), file.path(out, paste0(name, "_cov_lv.csv")))
  info <- c(
    paste("converged:", lavInspect(fit, "converged")),
    paste("iterations:", lavInspect(fit, "iterations")),
    if (length(warns)) paste("warning:", warns) else "warnings: none"
  )
  writeLines(info, file.path(out, paste0(name, "_log.txt")))
  invisible(fit)
}

synthetic <- read.csv(file.path(here, "ecsi_synthetic.csv"))
inadmissible <- read.csv(file.path(here, "ecsi_inadmissible.csv"))
mobi <- read.csv(file.path("..", "shared", "reference", "mobi.csv"), row.names = 1)

run("synthetic_ml", synthetic, "ML")
run("synthetic_gls", synthetic, "GLS")
run("synthetic_uls", synthetic, "ULS")
run("synthetic_dwls", synthetic, "DWLS")
# distribution-free (sandwich) standard errors: csi's SEs for ULS and DWLS
run("synthetic_uls_robust", synthetic, "ULS", se = "robust.sem")
run("synthetic_dwls_robust", synthetic, "DWLS", se = "robust.sem")
run("inadmissible_ml", inadmissible, "ML")
run("mobi_ml", mobi, "ML")

writeLines(c(R.version.string, paste("lavaan", as.character(packageVersion("lavaan")))),
           file.path(out, "versions.txt"))
