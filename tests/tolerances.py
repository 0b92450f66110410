"""Numeric tolerances for comparisons with published references, by kind of quantity.

A published value printed with d decimals is compared at half a unit of its last digit
(``printed(d)``); the constants below are for values taken at full precision.
"""

COEF = 1e-6  # pooled estimates, slopes, intercepts (relative)
SE = 1e-6  # standard errors (relative)
CI = 1e-6  # confidence and prediction interval bounds (relative)
VAR = 1e-5  # tau^2 and other variance components (relative; iterative estimators)
HET = 1e-5  # Q, I^2, H^2 (relative)
P = 1e-6  # p values (relative)


def printed(decimals: int) -> float:
    """Absolute tolerance for a value printed with ``decimals`` decimals (half a unit)."""
    return 0.5 * 10.0 ** (-decimals) + 1e-12


# Bootstrap standard errors (MR median methods) compared with R's printed values: the
# estimate is deterministic, but the SE comes from 10000 parametric bootstrap samples drawn
# with numpy's PCG64 instead of R's Mersenne-Twister, so it agrees only to Monte Carlo
# error (about 2-3% between seeds on the LDL-C example).
BOOTSTRAP_SE = 0.05  # relative
# Monte Carlo mediation intervals vs delta-method intervals when a*b is close to normal.
MC_CI = 0.02  # relative to the interval half-width

# metafor stops its iterative tau^2 estimators (ML, REML, EB by Fisher scoring) when an
# iteration changes tau^2 by less than 1e-5 (rma.uni control "threshold"), so on slowly
# converging fits its printed tau^2 can sit a few 1e-5 from the root gutbone solves to 1e-10
# (dat.bcg, mods = ~ ablat: metafor 0.0764, root 0.07635). Quantities computed at that
# tau^2 then differ by a small fraction of their standard error.
ITERATIVE_TAU2 = 1e-4  # absolute, on tau^2
ITERATIVE_DERIVED = 2e-3  # relative (QM, R^2, I^2) or fraction of the SE (coefficients)
