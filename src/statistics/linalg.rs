//! The one piece of linear algebra the log-rank test needs.

/// `bᵀ A⁻ b` for a symmetric positive semi-definite matrix `A` (row-major, `b.len()` × `b.len()`),
/// by Gaussian elimination with symmetric (diagonal) pivoting.
///
/// Each step pivots on the largest remaining diagonal entry `a_pp`, adds `b_p² / a_pp` to the
/// result and replaces the rest of the system by its Schur complement
/// (`a_ij -= a_ip a_pj / a_pp`, `b_i -= a_ip b_p / a_pp`). For a non-singular `A` this is exactly
/// `bᵀ A⁻¹ b`. When the largest remaining pivot is below `1e-12 ×` the largest diagonal entry of
/// `A`, the rest of the matrix is numerically zero and elimination stops: this is a generalized
/// inverse, which gives the same value as the Moore-Penrose inverse whenever `b` lies in the
/// column space of `A` (always the case for the log-rank statistic). A zero matrix gives 0.
pub(crate) fn quadratic_form_ginv(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
    let k = b.len();
    debug_assert_eq!(a.len(), k * k);
    let scale = (0..k).map(|i| a[i * k + i]).fold(0.0_f64, f64::max);
    if !scale.is_finite() || scale <= 0.0 {
        return 0.0;
    }
    let tolerance = scale * 1e-12;
    let mut done = vec![false; k];
    let mut result = 0.0;
    for _ in 0..k {
        let Some(p) = (0..k)
            .filter(|&i| !done[i])
            .max_by(|&i, &j| a[i * k + i].total_cmp(&a[j * k + j]))
        else {
            break;
        };
        let pivot = a[p * k + p];
        if pivot.is_nan() || pivot <= tolerance {
            break;
        }
        done[p] = true;
        result += b[p] * b[p] / pivot;
        for i in (0..k).filter(|&i| !done[i]) {
            let factor = a[i * k + p] / pivot;
            b[i] -= factor * b[p];
            for j in (0..k).filter(|&j| !done[j]) {
                a[i * k + j] -= factor * a[p * k + j];
            }
        }
    }
    result.max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_non_singular() {
        // A = [[4, 2], [2, 3]], b = [1, 2]: A⁻¹ = [[3, -2], [-2, 4]] / 8,
        // bᵀA⁻¹b = (3 - 8 + 16) / 8 = 11/8
        let q = quadratic_form_ginv(vec![4.0, 2.0, 2.0, 3.0], vec![1.0, 2.0]);
        assert!((q - 11.0 / 8.0).abs() < 1e-15);
        // 3×3 with pivoting needed: A = diag(1, 9, 4) + off-diagonal 1s
        // solved independently: A = [[1,1,0],[1,9,0],[0,0,4]], b = [1,1,2]
        // A⁻¹ top-left block = [[9,-1],[-1,1]]/8 → (9 - 2 + 1)/8 = 1; plus 4/4 = 1 → 2
        let q = quadratic_form_ginv(
            vec![1.0, 1.0, 0.0, 1.0, 9.0, 0.0, 0.0, 0.0, 4.0],
            vec![1.0, 1.0, 2.0],
        );
        assert!((q - 2.0).abs() < 1e-14);
    }

    #[test]
    fn singular_uses_generalized_inverse() {
        // A = [[1, 1], [1, 1]] (rank 1), b = [2, 2] in its column space: A⁺ = A/4,
        // bᵀA⁺b = 16/4 = 4
        let q = quadratic_form_ginv(vec![1.0, 1.0, 1.0, 1.0], vec![2.0, 2.0]);
        assert!((q - 4.0).abs() < 1e-14);
        assert_eq!(quadratic_form_ginv(vec![0.0; 4], vec![0.0; 2]), 0.0);
        assert_eq!(quadratic_form_ginv(vec![], vec![]), 0.0);
    }
}
