"""Published outputs of R's MendelianRandomization on its LDL-C -> CHD example data.

Data: the vectors ``ldlc, ldlcse, chdlodds, chdloddsse`` shipped with the package
(file ``R/1Data.R`` of the CRAN mirror ``cran/MendelianRandomization``; associations of
28 variants with LDL-cholesterol and with coronary heart disease log odds, from
Waterworth et al 2010, doi:10.1161/ATVBAHA.109.201020). The same numbers are in the
fixture ``tests/fixtures/mr/ldlc_chd.csv`` (variant names ``snp_1..snp_28`` as the
package prints them).

Printed results: the rendered vignette "Univariable estimation methods" of
MendelianRandomization 0.9.0 (pkgdown site of amymariemason/MR,
``articles/Univariable_MR_Methods.html``; source ``vignettes/Univariable_MR_Methods.Rmd``)
and the package README (same repository, ``README.md``, ``mr_allmethods(..., method =
"main")``). Values are kept at their printed precision; compare them with
``tolerances.printed(decimals)``.
"""

# R: library(MendelianRandomization)  (data from R/1Data.R)
LDLC = (0.026, -0.044, -0.038, -0.023, -0.017, -0.031, -0.018, 0.046, 0.059, 0.004, 0.011,
        -0.005, 0.004, 0.022, -0.005, -0.002, -0.002, 0.004, 0.011, 0.009, -0.011, -0.003,
        -0.012, 0.0003, -0.015, -0.008, 0.009, -0.036)  # fmt: skip
LDLCSE = (0.004, 0.004, 0.004, 0.003, 0.003, 0.006, 0.004, 0.007, 0.004, 0.003, 0.004, 0.005,
          0.005, 0.005, 0.004, 0.004, 0.003, 0.004, 0.004, 0.003, 0.004, 0.003, 0.004, 0.003,
          0.003, 0.004, 0.003, 0.007)  # fmt: skip
CHDLODDS = (0.0677, -0.1625, -0.1054, -0.0619, -0.0834, -0.1278, -0.0408, 0.0770, 0.1570,
            -0.0305, 0.0100, 0.1823, -0.0408, 0.1989, 0.0100, 0.0488, 0.0100, -0.0408, -0.0305,
            -0.0408, -0.0202, -0.0619, 0.0296, 0.0677, -0.0726, -0.0726, 0.0000,
            0.0198)  # fmt: skip
CHDLODDSSE = (0.0286, 0.0300, 0.0310, 0.0243, 0.0222, 0.0667, 0.0373, 0.0543, 0.0306, 0.0236,
              0.0277, 0.0403, 0.0344, 0.0335, 0.0378, 0.0292, 0.0253, 0.0319, 0.0316, 0.0241,
              0.0285, 0.0217, 0.0298, 0.0239, 0.0220, 0.0246, 0.0255, 0.0647)  # fmt: skip

# R: mr_ivw(mr_input(bx = ldlc, bxse = ldlcse, by = chdlodds, byse = chdloddsse))
# printed (model "default" = random effects for 28 variants):
#   IVW    2.834     0.530 1.796, 3.873   0.000
#   Residual standard error =  1.920
#   Heterogeneity test statistic (Cochran's Q) = 99.5304 on 27 degrees of freedom,
#   (p-value = 0.0000). I^2 = 72.9%.
#   F statistic = 28.0.
IVW = {
    "estimate": (2.834, 3),
    "se": (0.530, 3),
    "ci_lower": (1.796, 3),
    "ci_upper": (3.873, 3),
    "p": (0.000, 3),
    "rse": (1.920, 3),
    "q": (99.5304, 4),
    "q_df": 27,
    "q_p": (0.0000, 4),
    "i2_percent": (72.9, 1),
    "f_mean": (28.0, 1),
}

# R: mr_egger(mr_input(bx = ldlc, bxse = ldlcse, by = chdlodds, byse = chdloddsse))
# printed:
#     MR-Egger    3.253     0.770  1.743, 4.762   0.000
#  (intercept)   -0.011     0.015 -0.041, 0.018   0.451
#   Residual Standard Error :  1.935
#   Heterogeneity test statistic = 97.3975 on 26 degrees of freedom, (p-value = 0.0000)
#   I^2_GX statistic: 91.9%
EGGER = {
    "estimate": (3.253, 3),
    "se": (0.770, 3),
    "ci_lower": (1.743, 3),
    "ci_upper": (4.762, 3),
    "p": (0.000, 3),
    "intercept": (-0.011, 3),
    "intercept_se": (0.015, 3),
    "intercept_ci_lower": (-0.041, 3),
    "intercept_ci_upper": (0.018, 3),
    "intercept_p": (0.451, 3),
    "rse": (1.935, 3),
    "q": (97.3975, 4),
    "q_df": 26,
    "i2_gx_percent": (91.9, 1),
}

# R: mr_median(mr_input(bx = ldlc, bxse = ldlcse, by = chdlodds, byse = chdloddsse))
#    (defaults: weighting = "weighted", iterations = 10000, seed = 314159265)
# printed:
#  Weighted median method    2.683     0.419 1.862, 3.504   0.000
WEIGHTED_MEDIAN = {
    "estimate": (2.683, 3),
    "se": (0.419, 3),
    "ci_lower": (1.862, 3),
    "ci_upper": (3.504, 3),
    "p": (0.000, 3),
}

# R: mr_median(mr_input(bx = ldlc, bxse = ldlcse, by = chdlodds, byse = chdloddsse),
#              weighting = "simple")
# printed:
#  Simple median method    1.755     0.740 0.305, 3.205   0.018
SIMPLE_MEDIAN = {
    "estimate": (1.755, 3),
    "se": (0.740, 3),
    "ci_lower": (0.305, 3),
    "ci_upper": (3.205, 3),
    "p": (0.018, 3),
}

# R: mr_allmethods(MRInputObject, method = "main")   (README.md of amymariemason/MR)
# printed:
#    Simple median    1.755     0.740   0.305 3.205   0.018
#  Weighted median    2.683     0.419   1.862 3.504   0.000
#              IVW    2.834     0.530   1.796 3.873   0.000
#         MR-Egger    3.253     0.770   1.743 4.762   0.000
#      (intercept)   -0.011     0.015  -0.041 0.018   0.451
# Identical to the single-method outputs above; kept to show that mr_allmethods uses the
# same defaults (random-effects IVW, normal distribution, 10000 bootstrap samples).
ALLMETHODS_MAIN = {
    "simple_median": (1.755, 0.740, 0.305, 3.205, 0.018),
    "weighted_median": (2.683, 0.419, 1.862, 3.504, 0.000),
    "ivw": (2.834, 0.530, 1.796, 3.873, 0.000),
    "egger": (3.253, 0.770, 1.743, 4.762, 0.000),
    "egger_intercept": (-0.011, 0.015, -0.041, 0.018, 0.451),
}
