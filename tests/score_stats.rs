//! The statistics against known values.
//!
//! Binomial reference values are exact: computed with Python's `fractions.Fraction` and
//! `math.comb` (sums of exact point probabilities, then the natural log), so they carry no
//! approximation of their own. The two-sided values use R's `binom.test` rule (outcomes with
//! probability at most the observed one's times 1 + 1e-7). Chi-square references use closed
//! forms: `Q(1, x/2) = exp(-x/2)` for 2 degrees of freedom, `exp(-x/2)(1 + x/2)` for 4, and
//! `erfc(sqrt(x/2))` for 1 (Python `math.erfc`).

use logsift::score::stats::{
    Direction, bh_ln_qvalues, g_test_2xk, ln_binom_cdf, ln_binom_sf, ln_chi2_sf,
    ln_poisson_rate_test, mann_kendall,
};

fn assert_close(got: f64, want: f64, rel: f64, what: &str) {
    let tol = rel * want.abs().max(1e-12);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tolerance {tol})"
    );
}

#[test]
fn binomial_tails_match_exact_values() {
    // (k, n, p, ln P(X >= k), ln P(X <= k))
    let cases = [
        (
            7,
            20,
            0.5,
            -0.059_388_232_453_905_23,
            -2.028_079_585_098_806_7,
        ),
        (34, 34, 0.2, -54.720_889_022_759_415, 0.0),
        (497, 942, 0.2, -251.076_915_468_179_32, 0.0),
        (0, 470, 0.2, 0.0, -104.877_469_117_678_52),
        (6, 6, 0.2, -9.656_627_474_604_603, 0.0),
        (
            3,
            10,
            0.3,
            -0.482_534_269_057_026_7,
            -0.431_381_990_270_793_4,
        ),
    ];
    for (k, n, p, sf, cdf) in cases {
        assert_close(ln_binom_sf(k, n, p), sf, 1e-9, &format!("sf({k},{n},{p})"));
        if cdf != 0.0 {
            assert_close(
                ln_binom_cdf(k, n, p),
                cdf,
                1e-9,
                &format!("cdf({k},{n},{p})"),
            );
        } else {
            assert!(ln_binom_cdf(k, n, p).abs() < 1e-12);
        }
    }
    // Far lower tail with large n: P(X <= 16 | n = 1229, p = 0.2).
    assert_close(
        ln_binom_cdf(16, 1229, 0.2),
        -213.316_785_872_555_56,
        1e-9,
        "cdf(16, 1229)",
    );
}

#[test]
fn two_sided_rate_test_matches_minimum_likelihood_values() {
    // (baseline b, incident i, p0, exact ln p two-sided)
    let cases = [
        (13, 7, 0.5, -1.334_932_404_538_861_3),
        (0, 34, 0.2, -54.720_889_022_759_415),
        (1213, 16, 0.2, -212.479_513_504_638_82),
        (445, 497, 0.2, -251.076_915_468_179_32),
        (470, 0, 0.2, -104.304_188_493_932_09),
        (0, 6, 0.2, -9.656_627_474_604_603),
    ];
    for (b, i, p0, want) in cases {
        let (got, _) = ln_poisson_rate_test(b, i, p0);
        assert_close(got, want, 1e-9, &format!("test({b},{i},{p0})"));
    }
    // At the mode the p-value is 1.
    let (lp, _) = ln_poisson_rate_test(7, 3, 0.3);
    assert_eq!(lp, 0.0);
    assert_eq!(ln_poisson_rate_test(445, 497, 0.2).1, Direction::Up);
    assert_eq!(ln_poisson_rate_test(1213, 16, 0.2).1, Direction::Down);
}

#[test]
fn huge_counts_stay_finite_and_ordered() {
    // A million-event template that doubles: far below f64's smallest positive number.
    let (lp, dir) = ln_poisson_rate_test(4_000_000, 2_000_000, 0.2);
    assert!(lp.is_finite() && lp < -100_000.0, "ln p = {lp}");
    assert_eq!(dir, Direction::Up);
    // No change at all: p near 1.
    let (lp, _) = ln_poisson_rate_test(4_000_000, 1_000_000, 0.2);
    assert!(lp > -1.0, "ln p = {lp}");
}

#[test]
fn chi_square_survival_matches_closed_forms() {
    for (x, df1, df2, df4) in [
        (
            1.0,
            -1.147_874_464_449_318_4,
            -0.5,
            -0.094_534_891_891_835_62,
        ),
        (
            3.84,
            -2.994_862_227_180_027_6,
            -1.92,
            -0.848_416_383_719_809_5,
        ),
        (10.0, -6.459_612_454_150_123, -5.0, -3.208_240_530_771_945),
        (
            50.0,
            -27.200_889_545_537_436,
            -25.0,
            -21.741_903_461_978_517,
        ),
    ] {
        assert_close(ln_chi2_sf(x, 1.0), df1, 1e-9, &format!("df1 x={x}"));
        assert_close(ln_chi2_sf(x, 2.0), df2, 1e-9, &format!("df2 x={x}"));
        assert_close(ln_chi2_sf(x, 4.0), df4, 1e-9, &format!("df4 x={x}"));
    }
}

#[test]
fn benjamini_hochberg_reproduces_the_1995_example() {
    // Benjamini & Hochberg (1995), JRSS B 57(1), section 4: fifteen p-values; at q = 0.05
    // the procedure rejects the four smallest. The q-values were computed by hand with
    // q_(i) = min_{j >= i} m p_(j) / j.
    let p = [
        0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
        0.5719, 0.6528, 0.7590, 1.000,
    ];
    let want = [
        0.0015,
        0.003,
        0.0095,
        0.035625,
        0.0603,
        0.063_857_142_857_142_86,
        0.063_857_142_857_142_86,
        0.0645,
        0.0765,
        0.486,
        0.581_181_818_181_818_2,
        0.714875,
        0.753_230_769_230_769_4,
        0.813_214_285_714_285_7,
        1.0,
    ];
    // Shuffled input order must not matter.
    let order = [14, 3, 7, 0, 11, 5, 9, 1, 13, 2, 8, 12, 4, 10, 6];
    let ln_p: Vec<f64> = order.iter().map(|&i| f64::ln(p[i])).collect();
    let q = bh_ln_qvalues(&ln_p);
    for (pos, &i) in order.iter().enumerate() {
        assert_close(q[pos].exp(), want[i], 1e-9, &format!("q[{i}]"));
    }
    let rejected = q.iter().filter(|lq| lq.exp() <= 0.05).count();
    assert_eq!(rejected, 4);
}

#[test]
fn g_test_detects_a_dominating_value_and_not_a_stable_one() {
    let before = [100, 100, 100, 700];
    let same = [25, 25, 25, 175];
    let (g, df, lp) = g_test_2xk(&before, &same).unwrap_or((f64::NAN, 0.0, 0.0));
    assert!(g.abs() < 1e-9 && df == 3.0 && lp > -1e-9);
    let shifted = [200, 10, 10, 30];
    let (_, _, lp) = g_test_2xk(&before, &shifted).unwrap_or((0.0, 0.0, 0.0));
    assert!(lp < -100.0, "ln p = {lp}");
    assert!(g_test_2xk(&[5, 0], &[0, 0]).is_none());
}

#[test]
fn mann_kendall_sees_a_rise_and_not_noise() {
    let rising: Vec<u64> = (0..12).map(|i| 5 + 3 * i).collect();
    let (s, z, lp) = mann_kendall(&rising).unwrap_or((0.0, 0.0, 0.0));
    // Strictly increasing: S = n(n-1)/2 = 66.
    assert_eq!(s, 66.0);
    assert!(z > 4.0 && lp < -9.0, "z = {z}, ln p = {lp}");
    let flat = [5u64, 6, 5, 4, 6, 5, 5, 6, 4, 5, 6, 5];
    let (_, _, lp) = mann_kendall(&flat).unwrap_or((0.0, 0.0, -99.0));
    assert!(lp > -1.5, "ln p = {lp}");
    assert!(mann_kendall(&[1, 2, 3]).is_none());
}
