//! Rattlers: particles that are not held by enough bonds, removed iteratively.

/// Iteratively marks rattlers: particles with fewer than `D + 1` bonds to non-rattlers.
/// Returns the mask (true = rattler).
pub fn rattlers<const D: usize>(n: usize, bonds: &[[u32; 2]]) -> Vec<bool> {
    let mut degree = vec![0usize; n];
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &[i, j] in bonds {
        degree[i as usize] += 1;
        degree[j as usize] += 1;
        adj[i as usize].push(j);
        adj[j as usize].push(i);
    }
    let mut rattler = vec![false; n];
    let mut stack: Vec<usize> = (0..n).filter(|&i| degree[i] < D + 1).collect();
    while let Some(i) = stack.pop() {
        if rattler[i] {
            continue;
        }
        rattler[i] = true;
        for &j in &adj[i] {
            let j = j as usize;
            if !rattler[j] {
                degree[j] -= 1;
                if degree[j] < D + 1 {
                    stack.push(j);
                }
            }
        }
    }
    rattler
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rattler_removal_is_iterative() {
        // D=2 needs 3 bonds. Triangle-ish cluster: 0-1-2-3 fully connected (3 bonds each),
        // 4 bonded to 0,1,2 (3 bonds), 5 bonded to 4 only -> rattler; after that 4 still has 3.
        let bonds = [
            [0, 1],
            [0, 2],
            [0, 3],
            [1, 2],
            [1, 3],
            [2, 3],
            [0, 4],
            [1, 4],
            [4, 5],
            [2, 5],
        ];
        let r = rattlers::<2>(6, &bonds);
        // 5 has 2 bonds -> rattler; then 4 drops to 2 -> rattler; others keep ≥3.
        assert_eq!(r, vec![false, false, false, false, true, true]);
    }
}
