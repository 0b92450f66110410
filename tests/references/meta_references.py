"""Published reference values for the meta-analysis tests, each with its R call and source.

Values are copied from the sources named beside them; none comes from gutbone. Values
printed with 4 decimals are compared at half a unit of the last digit
(``tolerances.printed(4)``); full-precision values at the relative tolerances of
``tests/tolerances.py``.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------------------------
# Data sets

# dat.bcg (Colditz et al. 1994), 13 BCG vaccine trials, as listed in metafor's dat.bcg
# and on metafor-project.org/doku.php/analyses:vanhouwelingen2002 (Table I of van
# Houwelingen et al. 2002, p. 594): tpos, tneg, cpos, cneg, allocation.
BCG_STUDIES = (
    "Aronson 1948",
    "Ferguson & Simes 1949",
    "Rosenthal 1960",
    "Hart & Sutherland 1977",
    "Frimodt-Moller 1973",
    "Stein & Aronson 1953",
    "Vandiviere 1973",
    "TPT Madras 1980",
    "Coetzee & Berjak 1968",
    "Rosenthal 1961",
    "Comstock 1974",
    "Comstock & Webster 1969",
    "Comstock 1976",
)
BCG_TPOS = np.array([4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27], dtype=float)
BCG_TNEG = np.array(
    [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886], dtype=float
)
BCG_CPOS = np.array([11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29], dtype=float)
BCG_CNEG = np.array(
    [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825], dtype=float
)
BCG_ALLOC = (
    "random",
    "random",
    "random",
    "random",
    "alternate",
    "alternate",
    "random",
    "random",
    "random",
    "systematic",
    "systematic",
    "systematic",
    "systematic",
)

# Kacker (2004) interlaboratory example, as given (with its R calls) in statsmodels
# statsmodels/stats/tests/results/results_meta.py ("example from Kacker 2004, computed with
# R metafor"):
#   y = c(61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9)
#   v = c(0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225)
KACKER_Y = np.array([61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9])
KACKER_V = np.array([0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225])

# dat.normand1999 (Normand 1999, Stat Med 18:321-359, Table VIII): length of hospital stay,
# stroke units; m1, sd1, n1 (specialist care), m2, sd2, n2 (routine care).
NORMAND_N1 = np.array([155, 31, 75, 18, 8, 57, 34, 110, 60], dtype=float)
NORMAND_M1 = np.array([55, 27, 64, 66, 14, 19, 52, 21, 30], dtype=float)
NORMAND_SD1 = np.array([47, 7, 17, 20, 8, 7, 45, 16, 27], dtype=float)
NORMAND_N2 = np.array([156, 32, 71, 18, 13, 52, 33, 183, 52], dtype=float)
NORMAND_M2 = np.array([75, 29, 119, 137, 18, 18, 41, 31, 23], dtype=float)
NORMAND_SD2 = np.array([64, 4, 29, 48, 11, 4, 34, 27, 20], dtype=float)

# ---------------------------------------------------------------------------------
# metafor tests/testthat/test_misc_escalc.r
#   dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
ESCALC_BCG_RR_1 = {"yi": -0.8893, "vi": 0.3256}
#   escalc(measure="SMD", m1i, sd1i, n1i, m2i, sd2i, n2i, data=dat.normand1999, subset=1:4)
ESCALC_NORMAND_SMD = {
    "yi": (-0.3552, -0.3479, -2.3176, -1.8880),
    "vi": (0.0131, 0.0645, 0.0458, 0.1606),
}
# metafor tests/testthat/test_misc_rma_uni.r:
#   rma(measure="SMD", m1i, sd1i, n1i, m2i, sd2i, n2i, data=dat.normand1999, subset=1:4)
#   -> tau2 1.0090 (REML)
NORMAND_SMD_REML_TAU2 = 1.0090

# metafor tests/testthat/test_analysis_example_normand1999.r (Normand 1999, Tables VIII, IX)
#   sdpi <- pooled SD; escalc(m1i, sd1i=sdpi, n1i, m2i, sd2i=sdpi, n2i, measure="MD")
#   i.e. the pooled-SD variance; yi and vi printed with 2 decimals (page 351, Table VIII)
NORMAND_MD_POOLED = {
    "yi": (-20, -2, -55, -71, -4, 1, 11, -10, 7),
    "vi": (40.59, 2.05, 15.28, 150.22, 20.19, 1.22, 95.38, 8.03, 20.69),
}
# rma(yi, vi, method="FE") / "DL" / REML (page 352, Table IX), printed with 2 decimals
NORMAND_MD_FE = {"estimate": -3.49, "ci_lower": -5.03, "ci_upper": -1.96}
NORMAND_MD_DL = {"estimate": -14.10, "ci_lower": -24.45, "ci_upper": -3.75, "tau2": 218.72}
NORMAND_MD_REML = {"estimate": -15.12, "ci_lower": -32.67, "ci_upper": 2.43, "tau2": 685.20}

# ---------------------------------------------------------------------------------
# metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (values also from
# Stata's metan). All printed with 4 decimals.
#   dat <- escalc(measure=M, ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
#   res <- rma(yi, vi, data=dat, method="FE" | "DL"); predict(res, transf=exp)
METAN_BCG = {
    ("RR", "FE"): {
        "estimate": -0.4303,
        "ci_lower": -0.5097,
        "ci_upper": -0.3509,
        "z": -10.6247,
        "q": 152.2330,
        "exp": (0.6503, 0.6007, 0.7040),
    },
    ("RR", "DL"): {
        "estimate": -0.7141,
        "ci_lower": -1.0644,
        "ci_upper": -0.3638,
        "z": -3.9952,
        "tau2": 0.3088,
        "i2": 92.1173,
        "exp": (0.4896, 0.3449, 0.6950),
    },
    ("OR", "FE"): {
        "estimate": -0.4361,
        "ci_lower": -0.5190,
        "ci_upper": -0.3533,
        "z": -10.3190,
        "q": 163.1649,
        "exp": (0.6465, 0.5951, 0.7024),
    },
    ("OR", "DL"): {
        "estimate": -0.7474,
        "ci_lower": -1.1242,
        "ci_upper": -0.3706,
        "z": -3.8873,
        "tau2": 0.3663,
        "i2": 92.6455,
        "exp": (0.4736, 0.3249, 0.6903),
    },
    ("RD", "FE"): {
        "estimate": -0.0009,
        "ci_lower": -0.0014,
        "ci_upper": -0.0005,
        "z": -4.0448,
        "q": 276.4737,
    },
    ("RD", "DL"): {
        "estimate": -0.0071,
        "ci_lower": -0.0101,
        "ci_upper": -0.0040,
        "z": -4.5128,
        "tau2": 0.0000,
        "i2": 95.6596,
    },
}

# metafor tests/testthat/test_misc_confint.r
#   res <- rma(yi, vi, data=dat, method="DL"); confint(res, fixed=TRUE, transf=exp)
#   rows (estimate, ci.lb, ci.ub) of tau^2, I^2(%), H^2 (Q-profile). metafor's confint()
#   finds the bounds with uniroot() at its default tolerance (about 1e-4 on tau^2), so the
#   I^2/H^2 lower bounds agree only to about 3e-3 (see the test).
CONFINT_BCG_DL = {
    "tau2": (0.3088, 0.1197, 1.1115),
    "i2": (92.1173, 81.9177, 97.6781),
    "h2": (12.6861, 5.5303, 43.0680),
}

# metafor tests/testthat/test_misc_influence.r (full precision, REML):
#   res <- rma(yi, vi, data=dat); influence(res); leave1out(res)[1]
BCG_REML_FULL = {
    "tau2": 0.313243325980895,
    "q": 152.233008082373,
    "weight_1": 5.05948307931551,  # percent, study 1
}
BCG_REML_LEAVE1OUT_1 = {
    "estimate": -0.707083788031436,
    "se": 0.189961024702717,
    "z": -3.72225717953459,
    "p": 0.000197449759023198,
    "ci_lower": -1.07940055491509,
    "ci_upper": -0.334767021147788,
    "q": 151.582572747109,
    "q_p": 7.0778599767807e-27,
    "tau2": 0.336156745300306,
    "i2": 93.2259349111223,
    "h2": 14.762184698253,
}
# metafor's reference page for rma.uni (pkgdown render of the man/rma.uni.Rd examples, metafor
# 4.7-4): wviechtb/metafor docs/reference/rma.uni.html, commit
# 0014f62b7481cf6c29a19898babb1f5993a9dbc7, printed with 4 decimals (I^2, H^2 with 2):
#   dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
#   rma(yi, vi, data=dat, method="REML")
BCG_REML_PRINTED = {
    "estimate": -0.7145,
    "se": 0.1798,
    "z": -3.9744,
    "ci_lower": -1.0669,
    "ci_upper": -0.3622,
    "tau2": 0.3132,
    "tau": 0.5597,
    "i2": 92.22,
    "h2": 12.86,
    "q": 152.2330,
}

# ---------------------------------------------------------------------------------
# statsmodels statsmodels/stats/tests/results/results_meta.py (metafor output at full
# precision for the Kacker data):
#   rma(y, v, data=dat, method="PM", control=list(tol=1e-9))            -> KACKER["PM"]
#   rma(y, v, data=dat, method="DL", control=list(tol=1e-9))            -> KACKER["DL"]
#   rma(y, v, data=dat, method="DL", test="knha", control=list(tol=1e-9)) -> KACKER["DL_HKSJ"]
#   rma(y, v, data=dat, method="FE", control=list(tol=1e-9))            -> KACKER["FE"]
#   rma(y, v, data=dat, method="FE", test="knha", control=list(tol=1e-9)) -> KACKER["FE_HKSJ"]
KACKER = {
    "PM": {
        "estimate": 62.4076199113286,
        "se": 0.338030602684471,
        "z": 184.621213037276,
        "ci_lower": 61.7450921043947,
        "ci_upper": 63.0701477182625,
        "tau2": 0.705395309224248,
        "q": 24.801897741835,
        "q_p": 0.00167935146372742,
        "i2": 83.7218626490482,
        "h2": 6.14320900751909,
    },
    "DL": {
        "estimate": 62.3901386044504,
        "se": 0.245749668040304,
        "z": 253.876797075543,
        "ci_lower": 61.9084781058787,
        "ci_upper": 62.8717991030221,
        "tau2": 0.288049246973751,
        "q": 24.801897741835,
        "q_p": 0.00167935146372742,
        "i2": 67.744403741711,
        "h2": 3.10023721772938,
    },
    "DL_HKSJ": {
        "estimate": 62.3901386044504,
        "se": 0.29477605699879,
        "z": 211.652666908108,
        "p": 2.77938607433693e-16,
        "ci_lower": 61.710383798052,
        "ci_upper": 63.0698934108488,
        "tau2": 0.288049246973751,
    },
    "FE": {
        "estimate": 62.5833970939982,
        "se": 0.107845705498231,
        "z": 580.304953311515,
        "ci_lower": 62.3720233953344,
        "ci_upper": 62.7947707926621,
        "i2": 67.744403741711,
        "h2": 3.10023721772938,
    },
    "FE_HKSJ": {
        "estimate": 62.5833970939982,
        "se": 0.189889223522271,
        "z": 329.57845597098,
        "p": 8.04326466920145e-18,
        "ci_lower": 62.1455117593252,
        "ci_upper": 63.0212824286713,
    },
}

# ---------------------------------------------------------------------------------
# Publication bias. The values for dat.bcg that an earlier version of this file quoted
# "from memory" (regtest z = -0.8033, p = 0.4218) were dropped: no stored published output
# prints them. Everything below is copied from files of the metafor repository.

# wviechtb/metafor docs/reference/ranktest.html, commit
# 0014f62b7481cf6c29a19898babb1f5993a9dbc7 (pkgdown render of man/ranktest.Rd examples):
#   dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
#   res <- rma(yi, vi, data=dat); ranktest(res)   -> Kendall's tau = 0.0256, p = 0.9524
BCG_RANKTEST = {"tau": 0.0256, "p": 0.9524}

# dat.egger2001 (Egger, Davey Smith & Altman 2001, Table 18.2: intravenous magnesium after
# myocardial infarction, 16 trials): ai/n1i deaths/patients (magnesium), ci/n2i (control),
# as printed by `dat.egger2001` in wviechtb/metafor docs/reference/dat.egger2001.html,
# commit 03f2d6cc3f22e212fc4e64168aa8d394c49ad457. Trial 8 has a zero cell (escalc adds 0.5
# to its four cells, as gutbone does).
EGGER2001_STUDIES = (
    "Morton 1984",
    "Rasmussen 1986",
    "Smith 1986",
    "Abraham 1987",
    "Feldstedt 1988",
    "Shechter 1989",
    "Ceremuzynski 1989",
    "Bertschat 1989",
    "Singh 1990",
    "Pereira 1990",
    "Shechter 1991",
    "Golf 1991",
    "Thogersen 1991",
    "LIMIT-2 1992",
    "Shechter 1995",
    "ISIS-4 1995",
)
EGGER2001_AI = np.array([1, 9, 2, 1, 10, 1, 1, 0, 6, 1, 2, 5, 4, 90, 4, 2216], dtype=float)
EGGER2001_N1I = np.array(
    [40, 135, 200, 48, 150, 59, 25, 22, 76, 27, 89, 23, 130, 1159, 107, 29011], dtype=float
)
EGGER2001_CI = np.array([2, 23, 7, 1, 8, 9, 3, 1, 11, 7, 12, 13, 8, 118, 17, 2103], dtype=float)
EGGER2001_N2I = np.array(
    [36, 135, 200, 46, 148, 56, 23, 21, 75, 27, 80, 33, 122, 1157, 108, 29039], dtype=float
)

# wviechtb/metafor docs/reference/regtest.html, commit 0014f62b7481cf6c29a19898babb1f5993a9dbc7
# (pkgdown render of man/regtest.Rd examples, metafor 4.7-4); ISIS-4 (trial 16) removed:
#   dat <- escalc(measure="OR", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.egger2001, subset=-16)
#   dat$yi (8 decimals):
EGGER2001_OR_YI_15 = (
    -0.83034830,
    -1.05605267,
    -1.27833981,
    -0.04348511,
    0.22314355,
    -2.40751999,
    -1.28093385,
    -1.19170271,
    -0.69574796,
    -2.20827441,
    -2.03815988,
    -0.85015093,
    -0.79323064,
    -0.29933987,
    -1.57078846,
)
#   res <- rma(yi, vi, data=dat); res
EGGER2001_REML_15 = {
    "tau2": 0.1911,
    "i2": 38.19,
    "h2": 1.62,
    "q": 20.9184,
    "q_p": 0.1037,
    "estimate": -0.8745,
    "se": 0.2080,
    "z": -4.2049,
    "ci_lower": -1.2822,
    "ci_upper": -0.4669,
}
#   regtest(res, model="lm")  (classical Egger test)
#   -> t = -3.1783, df = 13, p = 0.0073; limit estimate b = -0.1512 (CI: -0.5130, 0.2106)
EGGER2001_REGTEST_LM_15 = {
    "stat": -3.1783,
    "df": 13,
    "p": 0.0073,
    "intercept": -0.1512,
    "intercept_ci": (-0.5130, 0.2106),
}
#   regtest(res)  (mixed-effects meta-regression version, REML)
#   -> z = -2.8062, p = 0.0050; limit estimate b = -0.1639 (CI: -0.5681, 0.2402)
EGGER2001_REGTEST_MIXED_15 = {
    "stat": -2.8062,
    "p": 0.0050,
    "intercept": -0.1639,
    "intercept_ci": (-0.5681, 0.2402),
}

# wviechtb/metafor tests/testthat/test_misc_pub_bias.r, commit
# 01464f36557922240fb8724a900bb66734c31f82, all 16 trials:
#   res <- rma(measure="OR", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.egger2001)
#   round(regtest(res)$zval, 4) -> -4.6686
#   ranktest(res): tau = 0.15 (exactly), round(pval, 4) = 0.4503
EGGER2001_REGTEST_MIXED_16 = {"stat": -4.6686}
EGGER2001_RANKTEST_16 = {"tau": 0.15, "p": 0.4503}

# ---------------------------------------------------------------------------------
# Trim-and-fill on dat.bcg: wviechtb/metafor docs/reference/trimfill.html, commit
# 0014f62b7481cf6c29a19898babb1f5993a9dbc7 (pkgdown render of man/trimfill.Rd examples,
# metafor 4.7-4; "EE" is metafor's name for the fixed/equal-effects model, gutbone "FE"):
#   dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
#   res <- rma(yi, vi, data=dat, method="EE"); taf <- trimfill(res); taf
#   -> "Estimated number of missing studies on the right side: 4 (SE = 2.3853)"
TRIMFILL_BCG_EE = {
    "k0": 4,
    "side": "right",
    "k": 17,
    "estimate": -0.2910,
    "se": 0.0383,
    "z": -7.6057,
    "ci_lower": -0.3660,
    "ci_upper": -0.2160,
    "q": 262.7316,
    "i2": 93.91,
    "h2": 16.42,
}
#   filled <- data.frame(yi = taf$yi, vi = taf$vi, fill = taf$fill); filled
#   rows 1-13 (observed, = escalc output for dat.bcg) and 14-17 (imputed, fill = TRUE),
#   yi with 8 decimals, vi with 9 significant digits
TRIMFILL_BCG_EE_FILLED_YI = (
    -0.88931133,
    -1.58538866,
    -1.34807315,
    -1.44155119,
    -0.21754732,
    -0.78611559,
    -1.62089822,
    0.01195233,
    -0.46941765,
    -1.37134480,
    -0.33935883,
    0.44591340,
    -0.01731395,
    0.78929282,
    0.85949921,
    1.00333667,
    1.03884624,
)
TRIMFILL_BCG_EE_FILLED_VI = (
    0.325584765,
    0.194581121,
    0.415367965,
    0.020010032,
    0.051210172,
    0.006905618,
    0.223017248,
    0.003961579,
    0.056434210,
    0.073024794,
    0.012412214,
    0.532505845,
    0.071404660,
    0.073024794,
    0.020010032,
    0.194581121,
    0.223017248,
)
#   rma(yi, vi, data=filled)   (REML on the EE-filled data: "equal-random" approach)
TRIMFILL_BCG_EE_THEN_REML = {
    "tau2": 0.7164,
    "i2": 96.03,
    "h2": 25.19,
    "q": 262.7316,
    "estimate": -0.3422,
    "se": 0.2223,
    "z": -1.5392,
    "p": 0.1237,
    "ci_lower": -0.7780,
    "ci_upper": 0.0936,
}
#   res <- rma(yi, vi, data=dat); taf <- trimfill(res); taf
#   -> "Estimated number of missing studies on the right side: 1 (SE = 2.4528)"
TRIMFILL_BCG_REML = {
    "k0": 1,
    "side": "right",
    "k": 14,
    "tau2": 0.3313,
    "i2": 92.14,
    "h2": 12.72,
    "q": 154.6750,
    "estimate": -0.6571,
    "se": 0.1785,
    "z": -3.6805,
    "p": 0.0002,
    "ci_lower": -1.0070,
    "ci_upper": -0.3072,
}

# ---------------------------------------------------------------------------------
# Mantel-Haenszel pooling (metafor rma.mh)
#
# metafor's reference page for rma.mh (pkgdown render of the man/rma.mh.Rd examples,
# metafor 4.7-4): wviechtb/metafor docs/reference/rma.mh.html, commit
# 0014f62b7481cf6c29a19898babb1f5993a9dbc7. "Equal-Effects Model (k = 13)", printed with
# 4 decimals (I^2, H^2 with 2; p printed "<.0001"):
#   rma.mh(measure="OR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
MH_BCG_OR_PRINTED = {
    "estimate": -0.4734,
    "se": 0.0410,
    "z": -11.5444,
    "ci_lower": -0.5538,
    "ci_upper": -0.3930,
    "q": 163.9426,
    "q_df": 12,
    "i2": 92.68,
    "h2": 13.66,
    "exp": (0.6229, 0.5748, 0.6750),  # "Model Results (OR scale)": estimate, ci.lb, ci.ub
}
#   rma.mh(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
MH_BCG_RR_PRINTED = {
    "estimate": -0.4537,
    "se": 0.0393,
    "z": -11.5338,
    "ci_lower": -0.5308,
    "ci_upper": -0.3766,
    "q": 152.5676,
    "q_df": 12,
    "i2": 92.13,
    "h2": 12.71,
    "exp": (0.6353, 0.5881, 0.6862),
}

# metafor tests/testthat/test_misc_metan_vs_rma.mh_with_dat.bcg.r (commit
# 9bf1bcbeb6483779eeb63b732f94b0e979ea9053), "compare results with: metan tpos tneg cpos
# cneg, fixed nograph rd":
#   res <- rma.mh(measure="RD", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
#   round(res$beta, 3) -0.003; ci.lb -0.004; ci.ub -0.003 (3 decimals)
#   round(res$zval, 2) -11.47  "### 11.56 in Stata"; round(res$QE, 2) 386.78
# The file explains the two z values: Stata's metan uses the Greenland & Robins (1985) SE,
# metafor the Sato, Greenland & Robins (1989) one. So z_sato is metafor's value and z_gr
# Stata metan's (sign as in metafor's output).
MH_BCG_RD_METAN = {
    "estimate": -0.003,
    "ci_lower": -0.004,
    "ci_upper": -0.003,
    "z_sato": -11.47,
    "z_gr": -11.56,
    "q": 386.78,
}

# PharmCat/MetidaFreq.jl test/tests.jl: comment blocks quote the output of OpenMEE
# ("Binary Fixed-Effect Model - Mantel Haenszel", which runs metafor's rma.mh) for three
# trials, with the R call
#   rma.mh(measure="RD", ai=c(21,14,11), bi=c(20,17,12), ci=c(2,12,9), di=c(10,22,7))
# (and measure "OR", "RR" on the same tables). Printed with 6 decimals; the weights are
# listed per trial in the file's sorted order and are given here in the order of the ai
# vector (as the Julia test asserts them). RD uses metafor's Sato variance.
OPENMEE_TABLES = {
    "ai": (21, 14, 11),
    "bi": (20, 17, 12),
    "ci": (2, 12, 9),
    "di": (10, 22, 7),
}
OPENMEE_MH = {
    "RD": {
        "estimate": 0.114863,
        "ci_lower": -0.047325,
        "ci_upper": 0.277052,
        "se": 0.082751,
        "p": 0.165118,
        "q": 4.540603,
        "q_p": 0.103281,
        "weights": (26.572791, 46.416800, 27.010409),
    },
    "OR": {
        "estimate": 0.471431,  # "Results (log scale)"
        "ci_lower": -0.207485,
        "ci_upper": 1.150347,
        "se": 0.346392,
        "p": 0.173521,
        "q": 3.563907,
        "q_p": 0.168309,
        "exp": (1.602286, 0.812626, 3.159290),
        "weights": (11.327989, 47.107006, 41.565005),
    },
    "RR": {
        "estimate": 0.276893,
        "ci_lower": -0.139931,
        "ci_upper": 0.693717,
        "se": 0.212669,
        "p": 0.192921,
        "q": 3.644017,
        "q_p": 0.161701,
        "exp": (1.319025, 0.869418, 2.001139),
        "weights": (12.300662, 45.500912, 42.198426),
    },
}


# =================================================================================
# Issue 16: tau^2 estimators and meta-regression. Every value below is copied from the
# source named above it (printed output; never computed by gutbone).

# dat.bcg moderators (absolute latitude, publication year) as printed in the dat.bcg table
# of metafor-project.org/doku.php/tips:testing_factors_lincoms (escalc(measure="RR", ...,
# data=dat.bcg); columns year, ablat).
BCG_ABLAT = np.array([44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33], dtype=float)
BCG_YEAR = np.array(
    [1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976], dtype=float
)

# Viechtbauer (2005), J Educ Behav Stat 30:261-293, doi:10.3102/10769986030003261: the two
# examples (yi, vi printed in the paper) and tau^2, I^2, H^2 of each estimator, "Tables on
# pages 271 and 272", as reproduced on metafor-project.org/doku.php/analyses:viechtbauer2005
# (and checked in metafor tests/testthat/test_analysis_example_viechtbauer2005.r):
#   rma(yi, vi, data=dat, method="HS" | "HE" | "DL" | "ML" | "REML" | "EB" | "SJ")
V2005_EX1_Y = np.array([-0.581, 0.530, 0.771, 1.031, 0.553, 0.295, 0.078, 0.573, -0.176, -0.232])
V2005_EX1_V = np.array([0.023, 0.052, 0.060, 0.115, 0.095, 0.203, 0.200, 0.211, 0.051, 0.040])
V2005_EX1 = {  # method: (tau2, I2 %, H2), printed with 4 decimals (tau2 of EB with 3)
    "HS": (0.2282, 77.2284, 4.3914),
    "HE": (0.1484, 68.7988, 3.2050),
    "DL": (0.2768, 80.4447, 5.1137),
    "ML": (0.1967, 74.5098, 3.9231),
    "REML": (0.2232, 76.8399, 4.3178),
    "EB": (0.1920, 74.0511, 3.8537),
    "SJ": (0.1992, 74.7545, 3.9611),
}
V2005_EX2_Y = np.array(
    [0.100, -0.162, -0.090, -0.049, -0.046, -0.010, -0.431, -0.261, 0.134, 0.019, 0.175,
     0.056, 0.045, 0.103, 0.121, -0.482, 0.290, 0.342]
)  # fmt: skip
V2005_EX2_V = np.array(
    [0.016, 0.015, 0.050, 0.050, 0.032, 0.052, 0.036, 0.024, 0.034, 0.033, 0.031, 0.034,
     0.039, 0.167, 0.134, 0.096, 0.016, 0.035]
)  # fmt: skip
V2005_EX2 = {
    "HS": (0.0099, 22.9266, 1.2975),
    "HE": (0.0, 0.0, 1.0),
    "DL": (0.0126, 27.5275, 1.3798),
    "ML": (0.0132, 28.4505, 1.3976),
    "REML": (0.0157, 32.0203, 1.4710),
    "EB": (0.0104, 23.7198, 1.3110),
    "SJ": (0.0248, 42.6734, 1.7444),
}

# DerSimonian & Kacker (2007), Contemp Clin Trials 28:105-114, doi:10.1016/j.cct.2006.04.004,
# Tables 3 and 4 (pages 111-112), CLASP trials (log odds ratios), as reproduced on
# metafor-project.org/doku.php/analyses:dersimonian2007:
#   dat <- escalc(measure="OR", ai=ai, n1i=n1i, ci=ci, n2i=n2i)
#   rma(yi, vi, method=M, data=dat)   (CA = method="HE")
CLASP_AI = np.array([5, 5, 12, 69, 9, 313], dtype=float)
CLASP_N1 = np.array([156, 303, 565, 1570, 103, 4659], dtype=float)
CLASP_CI = np.array([8, 17, 9, 94, 11, 352], dtype=float)
CLASP_N2 = np.array([74, 303, 477, 1565, 105, 4650], dtype=float)
CLASP = {  # method: (tau, mu, se), printed with 4 decimals
    "PM": (0.3681, -0.3811, 0.2060),
    "HE": (0.4410, -0.4035, 0.2327),
    "DL": (0.2323, -0.3240, 0.1540),
    "EB": (0.3681, -0.3811, 0.2060),
    "ML": (0.0023, -0.1974, 0.0694),
    "REML": (0.1843, -0.2980, 0.1343),
    "HS": (0.1330, -0.2666, 0.1125),
    "SJ": (0.4572, -0.4079, 0.2386),
}

# metafor's reference page for anova.rma (pkgdown render of man/anova.rma.Rd):
# wviechtb.github.io/metafor/reference/anova.rma.html, 4 decimals (I^2, H^2 with 2):
#   dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
#   res1 <- rma(yi, vi, data=dat, method="ML")
BCG_ML_PRINTED = {
    "tau2": 0.2800, "tau": 0.5292, "i2": 91.38, "h2": 11.60, "q": 152.2330,
    "estimate": -0.7112, "se": 0.1719, "z": -4.1374, "ci_lower": -1.0481, "ci_upper": -0.3743,
}  # fmt: skip
#   res2 <- rma(yi, vi, mods = ~ ablat + year, data=dat, method="ML")
BCG_ML_ABLAT_YEAR = {
    "tau2": 0.0269, "i2": 38.41, "h2": 1.62, "r2": 90.39, "qe": 28.3251, "qe_df": 10,
    "qm": 33.9192, "qm_df": 2,
    "coefficients": {  # estimate, se, zval, pval, ci.lb, ci.ub
        "intrcpt": (6.6048, 18.1960, 0.3630, 0.7166, -29.0587, 42.2682),
        "ablat": (-0.0308, 0.0063, -4.9057, None, -0.0432, -0.0185),
        "year": (-0.0032, 0.0092, -0.3471, 0.7285, -0.0212, 0.0148),
    },
}  # fmt: skip

# metafor's reference page for rma.uni: wviechtb.github.io/metafor/reference/rma.uni.html
#   rma(yi, vi, mods = ~ ablat + year, data=dat)            (REML)
BCG_REML_ABLAT_YEAR = {
    "tau2": 0.1108, "i2": 71.98, "h2": 3.57, "r2": 64.63, "qe": 28.3251, "qe_df": 10,
    "qe_p": 0.0016, "qm": 12.2043, "qm_df": 2, "qm_p": 0.0022,
    "coefficients": {
        "intrcpt": (-3.5455, 29.0959, -0.1219, 0.9030, -60.5724, 53.4814),
        "ablat": (-0.0280, 0.0102, -2.7371, 0.0062, -0.0481, -0.0080),
        "year": (0.0019, 0.0147, 0.1299, 0.8966, -0.0269, 0.0307),
    },
}  # fmt: skip
#   rma(yi, vi, mods = ~ factor(alloc), data=dat)           (REML; "decomposition of Q_E")
BCG_REML_ALLOC = {
    "tau2": 0.3615, "i2": 88.77, "h2": 8.91, "r2": 0.00, "qe": 132.3676, "qe_df": 10,
    "qm": 1.7675, "qm_df": 2, "qm_p": 0.4132,
    "coefficients": {  # R names these factor(alloc)random...; with mods = ~ alloc: allocrandom
        "intrcpt": (-0.5180, 0.4412, -1.1740, 0.2404, -1.3827, 0.3468),
        "allocrandom": (-0.4478, 0.5158, -0.8682, 0.3853, -1.4588, 0.5632),
        "allocsystematic": (0.0890, 0.5600, 0.1590, 0.8737, -1.0086, 1.1867),
    },
}  # fmt: skip
#   rma(yi, vi, mods = ~ ablat + year, data=dat, method="FE")
BCG_FE_ABLAT_YEAR = {
    "i2": 64.70, "h2": 2.83, "r2": 77.67, "qe": 28.3251, "qe_df": 10, "qm": 123.9079,
    "coefficients": {
        "intrcpt": (17.1518, 10.8321, 1.5834, 0.1133, -4.0786, 38.3822),
        "ablat": (-0.0339, 0.0040, -8.4766, None, -0.0417, -0.0260),
        "year": (-0.0085, 0.0055, -1.5518, 0.1207, -0.0192, 0.0022),
    },
}  # fmt: skip

# metafor's reference page for emmprep: wviechtb.github.io/metafor/reference/emmprep.html
#   res <- rma(yi, vi, mods = ~ ablat, data=dat)            (REML)
BCG_REML_ABLAT = {
    "tau2": 0.0764, "tau": 0.2763, "i2": 68.39, "h2": 3.16, "r2": 75.62, "qe": 30.7331,
    "qe_df": 11, "qe_p": 0.0012, "qm": 16.3571, "qm_df": 1,
    "coefficients": {
        "intrcpt": (0.2515, 0.2491, 1.0095, 0.3127, -0.2368, 0.7397),
        "ablat": (-0.0291, 0.0072, -4.0444, None, -0.0432, -0.0150),
    },
}  # fmt: skip
#   res <- rma(yi, vi, mods = ~ ablat + alloc, data=dat)    (REML)
BCG_REML_ABLAT_ALLOC = {
    "tau2": 0.1446, "i2": 70.11, "h2": 3.35, "r2": 53.84, "qe": 26.2034, "qe_df": 9,
    "qm": 11.0605, "qm_df": 3, "qm_p": 0.0114,
    "coefficients": {
        "intrcpt": (0.2932, 0.4050, 0.7239, 0.4691, -0.5006, 1.0870),
        "ablat": (-0.0273, 0.0092, -2.9650, 0.0030, -0.0453, -0.0092),
        "allocrandom": (-0.2675, 0.3504, -0.7633, 0.4453, -0.9543, 0.4193),
        "allocsystematic": (0.0585, 0.3795, 0.1540, 0.8776, -0.6854, 0.8023),
    },
}  # fmt: skip
# metafor's reference page for confint.rma: wviechtb.github.io/metafor/reference/confint.rma.html
#   res <- rma(yi, vi, mods = ~ ablat, data=dat); confint(res)   (Q-profile, 4 decimals)
BCG_REML_ABLAT_CONFINT = {"tau2": (0.0167, 0.7849), "i2": (32.1080, 95.6976)}
# metafor's reference page for update.rma (wviechtb.github.io/metafor/reference/update.rma.html),
# printed with digits=3:
#   res <- rma(yi, vi, mods = ~ ablat, data=dat, digits=3); update(res, method="ML")
BCG_ML_ABLAT_3DIGITS = {
    "tau2": 0.034, "i2": 49.33, "h2": 1.97, "r2": 87.73, "qm": 28.911,
    "coefficients": {"intrcpt": (0.282, 0.187), "ablat": (-0.030, 0.005)},
}  # fmt: skip

# Knapp-Hartung, dat.bcg with year and ablat centred at 1948 and 13 degrees:
# metafor-project.org/doku.php/tips:testing_factors_lincoms ("Knapp & Hartung method"; the
# value as checked in metafor tests/testthat/test_tips_testing_factors_lincoms.r):
#   res <- rma(yi, vi, mods = ~ factor(alloc) + year + ablat, data=dat, test="knha")
#   anova(res, btt=2:3)  ->  F(df1 = 2, df2 = 8) = 0.6502793
BCG_KNHA_ALLOC_TEST_F = 0.6502793
# metafor tests/testthat/test_misc_anova.r (Wald-type F tests under test="knha"):
#   res <- rma(yi, vi, mods = ~ ablat + alloc, data=dat, test="knha")
#   anova(res, btt=list(2, 3:4)) -> QM (F) 8.2194 (p 0.0186) and 0.6007 (p 0.5690)
BCG_KNHA_ABLAT_ALLOC = {"ablat_f": 8.2194, "ablat_p": 0.0186, "alloc_f": 0.6007, "alloc_p": 0.5690}

# Berkey et al. (1995), Stat Med 14:395-411, doi:10.1002/sim.4780140406, page 408, as
# reproduced on metafor-project.org/doku.php/analyses:berkey1995: dat.bcg log risk ratios
# with "smoothed" sampling variances
#   dat$vi <- with(dat, sum(tneg/tpos)/(13*(tneg+tpos)) + sum(cneg/cpos)/(13*(cneg+cpos)))
#   rma(yi, vi, data=dat, method="EB")                          -> -0.5429, se 0.1842, tau2 0.2682
#   rma(yi, vi, mods=~I(ablat-33.46), data=dat, method="EB")   -> below (tau2 0.1572)
#   rma(yi, vi, mods=~I(ablat-33.46), data=dat, method="FE")   -> -0.5949, -0.0282
# (the article prints intercepts -0.6304 and -0.5950; metafor's page -0.6303 and -0.5949)
BERKEY_EB = {"estimate": -0.5429, "se": 0.1842, "tau2": 0.2682}
BERKEY_EB_ABLAT = {"coef": (-0.6303, -0.0268), "se": (0.1591, 0.0110), "tau2": 0.1572}
BERKEY_FE_ABLAT = {"coef": (-0.5949, -0.0282)}
