"""Regression of regional death rates on poverty, income and unemployment, with robust errors.

Two models, both with HC3 (leverage-corrected sandwich) standard errors:

- **headline: negative-binomial GLM** of the death count with ``log(men)`` as offset
  (log link). It models what was observed (counts), lets small regions (Nenets: 27 deaths) be
  noisy in the right way, allows for over-dispersion (deaths cluster by unit and recruitment
  drive, far beyond Poisson noise), and its coefficients are rate ratios. The dispersion
  ``alpha`` is estimated by maximum likelihood (NB2) with statsmodels' discrete
  ``NegativeBinomial``, then the GLM is fitted at that ``alpha``.
- **check: weighted least squares** of the rate per 100,000 on the same covariates, weighted by
  men. Easy to read (per-100k units) but its weights assume Poisson variance, so Moscow and Moscow
  Oblast (6.9 million men) dominate it.

statsmodels' GLM silently reports HC0 when asked for HC3, so the GLM's HC3 covariance is computed
here (:func:`glm_hc3`) the way R's ``sandwich::vcovHC(type = "HC3")`` does for a ``glm``.

References
----------
Long, J. S., Ervin, L. H. (2000). Using heteroscedasticity consistent standard errors in the linear
regression model. *The American Statistician* 54(3), 217-224. https://doi.org/10.2307/2685594

Zeileis, A. (2006). Object-oriented computation of sandwich estimators. *Journal of Statistical
Software* 16(9). https://doi.org/10.18637/jss.v016.i09

Cameron, A. C., Trivedi, P. K. (2013). *Regression Analysis of Count Data*, 2nd ed., ch. 3.
Cambridge University Press. https://doi.org/10.1017/CBO9781139013567
"""

from __future__ import annotations

import warnings

import numpy as np

from ..exceptions import ConvergenceWarning, NotEstimableError

#: Covariates: column -> (label, transform)
COVARIATES = {
    "pct_below_subsistence_2020": ("poverty (% below subsistence, 2020)", None),
    "mean_income_per_capita_rub_month_2020": ("log mean income per capita (2020)", "log"),
    "unemployment_rate_2020": ("unemployment rate % (2020)", None),
}
MODELS = {
    "poverty": ["pct_below_subsistence_2020"],
    "income": ["mean_income_per_capita_rub_month_2020"],
    "unemployment": ["unemployment_rate_2020"],
    "all": list(COVARIATES),
}


def glm_hc3(result) -> np.ndarray:
    """HC3 covariance of a fitted statsmodels GLM (score sandwich with leverage correction).

    ``bread = (X' W X)^{-1}`` with the IRLS weights ``W``; each observation's score ``x_i u_i``
    (``u_i`` = working residual times weight) is inflated by ``1 / (1 - h_ii)`` where ``h`` is the
    diagonal of the weighted hat matrix; the same construction as R ``sandwich::vcovHC(glm, "HC3")``
    (Zeileis 2006). For a Gaussian GLM with identity link it equals OLS HC3.
    """
    model = result.model
    x = np.asarray(model.exog, dtype=float)
    mu = np.asarray(result.mu, dtype=float)
    w = np.asarray(model.family.weights(mu), dtype=float)  # IRLS weights 1 / (V(mu) g'(mu)^2)
    u = np.asarray(result.resid_working, dtype=float) * w  # (y - mu) / (V(mu) g'(mu))
    xw = x * np.sqrt(w)[:, None]
    bread = np.linalg.inv(xw.T @ xw)
    h = np.einsum("ij,jk,ik->i", xw, bread, xw)
    scores = x * (u / (1.0 - h))[:, None]
    meat = scores.T @ scores
    return bread @ meat @ bread  # the dispersion cancels between bread and meat


def _design(rates, covariates):
    import pandas as pd

    cols = {}
    for c in covariates:
        v = rates[c].astype(float)
        if COVARIATES.get(c, ("", None))[1] == "log":
            cols["log_" + c] = np.log(v)
        else:
            cols[c] = v
    x = pd.DataFrame(cols)
    ok = x.notna().all(axis=1) & rates["men"].notna() & (rates["men"] > 0)
    return x[ok], ok


def _rows(name, method, terms, params, cov, n, extra):
    from scipy.stats import norm

    q = norm.ppf(0.975)
    se = np.sqrt(np.diag(cov))
    z = params / se
    out = []
    for i, t in enumerate(terms):
        row = {"model": name, "method": method, "term": t, "coef": params[i], "se_hc3": se[i],
               "z": z[i], "p": 2 * norm.sf(abs(z[i])), "ci_low": params[i] - q * se[i],
               "ci_high": params[i] + q * se[i], "n_regions": n, **extra}
        if method == "negbin_glm":
            row["rate_ratio"] = float(np.exp(params[i]))
        out.append(row)
    return out


def fit_negbin(rates, covariates):
    """Negative-binomial GLM of deaths with log(men) offset; returns (statsmodels result, alpha)."""
    import statsmodels.api as sm

    x, ok = _design(rates, covariates)
    if len(x) <= len(covariates) + 2:
        raise NotEstimableError(f"{len(x)} regions with data: too few for {len(covariates)} "
                                f"covariates")
    exog = sm.add_constant(x, has_constant="add")
    y = rates.loc[ok, "deaths"].astype(float).to_numpy()
    offset = np.log(rates.loc[ok, "men"].astype(float).to_numpy())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nb = sm.NegativeBinomial(y, exog, offset=offset, loglike_method="nb2").fit(
            disp=0, maxiter=200)
    if not nb.mle_retvals.get("converged", True) or caught and any(
            "converge" in str(c.message).lower() for c in caught):
        warnings.warn("negative-binomial dispersion fit did not converge", ConvergenceWarning,
                      stacklevel=2)
    alpha = float(np.asarray(nb.params)[-1])
    glm = sm.GLM(y, exog, family=sm.families.NegativeBinomial(alpha=alpha), offset=offset).fit()
    return glm, alpha


def fit_wls(rates, covariates):
    """WLS of the rate per 100,000 on the covariates, weights = men, HC3 errors."""
    import statsmodels.api as sm

    x, ok = _design(rates, covariates)
    exog = sm.add_constant(x, has_constant="add")
    y = rates.loc[ok, "per_100k"].astype(float).to_numpy()
    return sm.WLS(y, exog, weights=rates.loc[ok, "men"].astype(float).to_numpy()).fit(
        cov_type="HC3")


def rate_regressions(rates, models=None):
    """Fit every model in ``models`` (default :data:`MODELS`) both ways; a tidy DataFrame.

    Columns ``model, method (negbin_glm | wls), term, coef, se_hc3, z, p, ci_low, ci_high,
    n_regions, rate_ratio (GLM), alpha (GLM), r2 (WLS), headline``; a model the data cannot
    support (too few regions) is one row with its ``reason``.
    """
    import pandas as pd

    rows = []
    for name, covs in (models or MODELS).items():
        covs = [c for c in covs if c in rates.columns]
        if not covs:
            continue
        try:
            glm, alpha = fit_negbin(rates, covs)
        except NotEstimableError as err:
            rows.append({"model": name, "method": "negbin_glm", "reason": err.reason,
                         "headline": True})
            continue
        rows += _rows(name, "negbin_glm", list(glm.params.index), np.asarray(glm.params),
                      glm_hc3(glm), int(glm.nobs), {"alpha": alpha, "headline": True})
        wls = fit_wls(rates, covs)
        rows += _rows(name, "wls", list(wls.params.index), np.asarray(wls.params),
                      np.asarray(wls.cov_params()), int(wls.nobs),
                      {"r2": float(wls.rsquared), "headline": False})
    return pd.DataFrame(rows)
