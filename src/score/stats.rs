//! The statistics behind the shift scores, written out here because no maintained crate offers
//! the exact conditional test for two Poisson rates with the log-space care it needs.
//!
//! Owns: log-gamma, the regularised incomplete beta and gamma functions, binomial tails in log
//! space, the two-sided conditional binomial test, the G-test of homogeneity, Benjamini-Hochberg
//! q-values and the Mann-Kendall trend test. It knows nothing about templates or windows.
//!
//! Every probability that can underflow is carried as a natural logarithm: a count of 5000
//! against an expected 300 has a p-value near 1e-3000, and ranking needs its size, not zero.

use std::f64::consts::{LN_2, PI};

/// Lanczos approximation coefficients for g = 7, n = 9: the widely published set
/// (Godfrey; used in Numerical Recipes 3rd ed. §6.1 and many libraries), relative error
/// below 1e-15 for positive real arguments.
const LANCZOS_G: f64 = 7.0;
/// See [`LANCZOS_G`].
const LANCZOS_COEF: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// Relative precision at which continued fractions and series stop: a few ulps above
/// `f64::EPSILON`, the usual choice (Numerical Recipes §6.2 uses the same order).
const CONVERGENCE_EPS: f64 = 1e-15;

/// Guard against division by zero in the modified Lentz method (Press et al., §5.2).
const LENTZ_TINY: f64 = 1e-300;

/// Natural logarithm of the gamma function for `x > 0`.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        // Reflection keeps the approximation in its accurate range.
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = LANCZOS_COEF[0];
    let t = x + LANCZOS_G + 0.5;
    for (i, c) in LANCZOS_COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `ln B(a, b)`.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// `ln(1 - e^x)` for `x <= 0`, accurate at both ends (Mächler, "Accurately computing
/// log(1 - exp(-|a|))", 2012: switch at -ln 2).
pub fn ln_1m_exp(x: f64) -> f64 {
    if x >= 0.0 {
        f64::NEG_INFINITY
    } else if x > -LN_2 {
        (-x.exp_m1()).ln()
    } else {
        (-x.exp()).ln_1p()
    }
}

/// Continued fraction of the incomplete beta function (modified Lentz), valid and fast for
/// `x < (a + 1) / (a + b + 2)`.
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let max_iter = 300 + (20.0 * (a + b).sqrt()) as usize;
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < LENTZ_TINY {
        d = LENTZ_TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=max_iter {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < LENTZ_TINY {
            d = LENTZ_TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < LENTZ_TINY {
            c = LENTZ_TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < LENTZ_TINY {
            d = LENTZ_TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < LENTZ_TINY {
            c = LENTZ_TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < CONVERGENCE_EPS {
            break;
        }
    }
    h
}

/// `ln I_x(a, b)`, the log of the regularised incomplete beta function, for `a, b > 0`.
pub fn ln_inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if !(a > 0.0 && b > 0.0) || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if x >= 1.0 {
        return 0.0;
    }
    let ln_front = a * x.ln() + b * (-x).ln_1p() - ln_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front + beta_cf(a, b, x).ln() - a.ln()
    } else {
        // I_x(a, b) = 1 - I_{1-x}(b, a); the complement is the small one here.
        let ln_comp = ln_front + beta_cf(b, a, 1.0 - x).ln() - b.ln();
        ln_1m_exp(ln_comp.min(0.0))
    }
}

/// `ln P(X >= k)` for `X ~ Binomial(n, p)`.
pub fn ln_binom_sf(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    if k > n || p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return 0.0;
    }
    // P(X >= k) = I_p(k, n - k + 1)
    ln_inc_beta(p, k as f64, (n - k + 1) as f64)
}

/// `ln P(X <= k)` for `X ~ Binomial(n, p)`.
pub fn ln_binom_cdf(k: u64, n: u64, p: f64) -> f64 {
    if k >= n {
        return 0.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return f64::NEG_INFINITY;
    }
    // P(X <= k) = I_{1-p}(n - k, k + 1)
    ln_inc_beta(1.0 - p, (n - k) as f64, (k + 1) as f64)
}

/// `ln P(X = k)` for `X ~ Binomial(n, p)`, `0 < p < 1`.
pub fn ln_binom_pmf(k: u64, n: u64, p: f64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    let (kf, nf) = (k as f64, n as f64);
    ln_gamma(nf + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(nf - kf + 1.0)
        + kf * p.ln()
        + (nf - kf) * (-p).ln_1p()
}

/// `ln(e^a + e^b)` without overflow.
pub fn ln_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// Relative tolerance when comparing point probabilities in the two-sided test, as in R's
/// `binom.test` (`relErr <- 1 + 1e-7`): outcomes as likely as the observed one up to
/// rounding count as "as extreme".
const MINLIKE_REL_TOL: f64 = 1e-7;

/// Direction of a count change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// The exact conditional test for two Poisson rates (Przyborowski & Wilenski 1940; the
/// "C-test" of Krishnamoorthy & Thomson 2004): given `n = b + i` events, under equal rates
/// `i ~ Binomial(n, p0)` with `p0` the incident's share of the exposure. Returns the natural
/// log of the two-sided p-value and the direction of the observed change.
///
/// The two-sided p-value sums the probabilities of all outcomes no more likely than the
/// observed one (the "minimum likelihood" method of R's `binom.test` and SciPy's
/// `binomtest`), found by bisection on the monotone side of the mode, so it costs
/// O(log n) tail evaluations at any n.
pub fn ln_poisson_rate_test(baseline: u64, incident: u64, p0: f64) -> (f64, Direction) {
    let n = baseline.saturating_add(incident);
    let k = incident;
    let expected = n as f64 * p0;
    let dir = if (k as f64) >= expected {
        Direction::Up
    } else {
        Direction::Down
    };
    if n == 0 || !(p0 > 0.0 && p0 < 1.0) {
        return (0.0, dir);
    }
    let mode = (((n + 1) as f64) * p0).floor().min(n as f64) as u64;
    let ln_d = ln_binom_pmf(k, n, p0) + MINLIKE_REL_TOL.ln_1p();
    let ln_p = if k == mode {
        0.0
    } else if k > mode {
        // Largest j <= mode with pmf(j) <= pmf(k): pmf increases on [0, mode].
        let upper = ln_binom_sf(k, n, p0);
        if ln_binom_pmf(0, n, p0) > ln_d {
            upper
        } else {
            let (mut lo, mut hi) = (0u64, mode);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if ln_binom_pmf(mid, n, p0) <= ln_d {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            ln_add_exp(upper, ln_binom_cdf(lo, n, p0))
        }
    } else {
        // Smallest j > mode with pmf(j) <= pmf(k): pmf decreases on [mode, n].
        let lower = ln_binom_cdf(k, n, p0);
        if ln_binom_pmf(n, n, p0) > ln_d {
            lower
        } else {
            let (mut lo, mut hi) = (mode + 1, n);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if ln_binom_pmf(mid, n, p0) <= ln_d {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            ln_add_exp(lower, ln_binom_sf(lo, n, p0))
        }
    };
    (ln_p.min(0.0), dir)
}

/// `ln Q(s, x)`, the log of the regularised upper incomplete gamma function, for `s > 0`.
pub fn ln_gamma_q(s: f64, x: f64) -> f64 {
    if s.is_nan() || s <= 0.0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    let ln_front = s * x.ln() - x - ln_gamma(s);
    let max_iter = 300 + (20.0 * s.sqrt()) as usize + (x.sqrt() * 10.0) as usize;
    if x < s + 1.0 {
        // Series for P(s, x), then Q = 1 - P.
        let mut ap = s;
        let mut sum = 1.0 / s;
        let mut del = sum;
        for _ in 0..max_iter {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * CONVERGENCE_EPS {
                break;
            }
        }
        let ln_p = ln_front + sum.ln();
        ln_1m_exp(ln_p.min(0.0))
    } else {
        // Continued fraction for Q(s, x) (modified Lentz).
        let mut b = x + 1.0 - s;
        let mut c = 1.0 / LENTZ_TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..=max_iter {
            let i = i as f64;
            let an = -i * (i - s);
            b += 2.0;
            d = an * d + b;
            if d.abs() < LENTZ_TINY {
                d = LENTZ_TINY;
            }
            c = b + an / c;
            if c.abs() < LENTZ_TINY {
                c = LENTZ_TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < CONVERGENCE_EPS {
                break;
            }
        }
        (ln_front + h.ln()).min(0.0)
    }
}

/// `ln P(X >= x)` for a chi-square variable with `df` degrees of freedom.
pub fn ln_chi2_sf(x: f64, df: f64) -> f64 {
    ln_gamma_q(df / 2.0, x / 2.0)
}

/// G-test of homogeneity for a 2 x k table (`rows[0]` before, `rows[1]` after). Columns
/// whose total is zero are left out. Returns `(G, degrees of freedom, ln p)`; `None` when
/// fewer than two columns or one empty row leave nothing to test.
pub fn g_test_2xk(before: &[u64], after: &[u64]) -> Option<(f64, f64, f64)> {
    let n1: u64 = before.iter().sum();
    let n2: u64 = after.iter().sum();
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let n = (n1 + n2) as f64;
    let mut g = 0.0;
    let mut cols = 0u32;
    for (&a, &b) in before.iter().zip(after) {
        let col = (a + b) as f64;
        if col == 0.0 {
            continue;
        }
        cols += 1;
        for (obs, row) in [(a, n1), (b, n2)] {
            if obs > 0 {
                let expected = row as f64 * col / n;
                g += obs as f64 * (obs as f64 / expected).ln();
            }
        }
    }
    if cols < 2 {
        return None;
    }
    let g = (2.0 * g).max(0.0);
    let df = f64::from(cols - 1);
    Some((g, df, ln_chi2_sf(g, df)))
}

/// Benjamini-Hochberg adjusted p-values (q-values), in log space, for the given log
/// p-values, in the same order (Benjamini & Hochberg 1995, step-up procedure:
/// `q_(i) = min_{j >= i} m p_(j) / j`, capped at 1). A test is rejected at FDR level `q`
/// when its q-value is at most `q`.
pub fn bh_ln_qvalues(ln_p: &[f64]) -> Vec<f64> {
    let m = ln_p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| ln_p[a].total_cmp(&ln_p[b]));
    let mut out = vec![0.0; m];
    let ln_m = (m as f64).ln();
    let mut running = 0.0f64; // ln 1
    for rank in (0..m).rev() {
        let idx = order[rank];
        let candidate = ln_p[idx] + ln_m - ((rank + 1) as f64).ln();
        running = running.min(candidate);
        out[idx] = running.min(0.0);
    }
    out
}

/// Which discrete tests belong in the multiple-testing family: those whose smallest
/// achievable p-value is at most `alpha`. A Benjamini-Hochberg q-value is never below its
/// p-value, so the others can never be rejected; leaving them out only shrinks the family
/// (the idea of Tarone 1990, "A modified Bonferroni method for discrete data", Biometrics
/// 46, in its simplest form, which unlike Tarone's alpha/K rule never removes a test that BH
/// over all tests would reject). For the conditional rate test the smallest achievable
/// p-value depends only on the total count, which is independent of the test's outcome
/// under the null ("independent filtering", Bourgon, Gentleman & Huber 2010, PNAS 107), so
/// the error control holds. Returns one flag per test.
pub fn discrete_family(ln_p_min: &[f64], ln_alpha: f64) -> Vec<bool> {
    ln_p_min.iter().map(|&x| x <= ln_alpha).collect()
}

/// Mann-Kendall trend test on a sequence (Mann 1945, Kendall 1975), with the tie
/// correction of the variance and a continuity correction. Returns `(S, z, ln p_up)`, the
/// one-sided p-value for an increasing trend from the normal approximation. `None` for
/// fewer than [`MK_MIN_POINTS`] points.
pub fn mann_kendall(xs: &[u64]) -> Option<(f64, f64, f64)> {
    let n = xs.len();
    if n < MK_MIN_POINTS {
        return None;
    }
    let mut s: i64 = 0;
    for i in 0..n {
        for j in (i + 1)..n {
            s += match xs[j].cmp(&xs[i]) {
                std::cmp::Ordering::Greater => 1,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
            };
        }
    }
    let mut sorted = xs.to_vec();
    sorted.sort_unstable();
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && sorted[j] == sorted[i] {
            j += 1;
        }
        let t = (j - i) as f64;
        tie_term += t * (t - 1.0) * (2.0 * t + 5.0);
        i = j;
    }
    let nf = n as f64;
    let var = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0;
    if var <= 0.0 {
        return Some((s as f64, 0.0, 0.0));
    }
    let s_f = s as f64;
    let z = if s > 0 {
        (s_f - 1.0) / var.sqrt()
    } else if s < 0 {
        (s_f + 1.0) / var.sqrt()
    } else {
        0.0
    };
    Some((s_f, z, ln_norm_sf(z)))
}

/// Fewest points for which [`mann_kendall`] runs: below about 8 the normal approximation of
/// S is poor (Kendall 1975 tabulates exact values up to n = 10; Hipel & McLeod 1994 advise
/// n >= 8-10 for the approximation).
pub const MK_MIN_POINTS: usize = 8;

/// `ln P(Z >= z)` for a standard normal Z, accurate far in the upper tail.
pub fn ln_norm_sf(z: f64) -> f64 {
    if z < 5.0 {
        (0.5 * erfc(z / std::f64::consts::SQRT_2)).ln()
    } else {
        // Asymptotic expansion of Mills' ratio (Abramowitz & Stegun 26.2.12).
        let z2 = z * z;
        let series = 1.0 - 1.0 / z2 + 3.0 / (z2 * z2) - 15.0 / (z2 * z2 * z2);
        -0.5 * z2 - z.ln() - 0.5 * (2.0 * PI).ln() + series.ln()
    }
}

/// Complementary error function via the regularised incomplete gamma function:
/// `erfc(x) = Q(1/2, x^2)` for `x >= 0`.
pub fn erfc(x: f64) -> f64 {
    if x >= 0.0 {
        ln_gamma_q(0.5, x * x).exp()
    } else {
        2.0 - ln_gamma_q(0.5, x * x).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        // ln(10!) = ln 3628800
        assert!(close(ln_gamma(11.0), 3_628_800f64.ln(), 1e-13));
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-13));
    }

    #[test]
    fn ln_1m_exp_is_accurate_near_zero() {
        assert!(close(ln_1m_exp(-1e-20), (1e-20f64).ln(), 1e-12));
        assert!(close(ln_1m_exp(-50.0), -(-50f64).exp(), 1e-12));
    }
}
