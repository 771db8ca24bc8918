"""Fig. 3a of Giannini et al. (2021) from Python: P(λ/λ₀) of IPL glasses at several parent
temperatures, with the λ⁻² and λ^(−7/2) guides, drawn with matplotlib.

    pip install ./python matplotlib
    python examples/fig3a.py [OUT_DIR]          # a few minutes on 2 cores

It runs (or resumes) a small ensemble with `bondspace.ensemble` (3D, N = 500, 12 glasses per
Tp; the paper has 10⁴ of N = 2000), then reads the pooled histograms and the report's tail
fits back with `bondspace.load_ensemble`. Each point has its Poisson error bar.
"""

import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import bondspace as bs

out = sys.argv[1] if len(sys.argv) > 1 else "fig3a-ensemble"
ens = bs.ensemble(out, 500, dim=3, tp=[math.inf, 1.0, 0.6], sweeps=3000, samples=12, seed=1,
                  progress=True)

fig, ax = plt.subplots(figsize=(4.5, 3.6), dpi=150)
for name in ens.groups:
    z = ens.pooled[name]
    e, p, c = z["lambda_edges"], z["P_lambda"], z["lambda_counts"]
    x = np.sqrt(e[1:] * e[:-1])
    ok = c > 0
    err = p[ok] / np.sqrt(c[ok])
    tp = ens.numbers[name]["tp"]
    tail = ens.numbers[name]["tail"]
    label = f"Tp = {'∞' if tp is None else tp}"
    if tail:
        label += f" (tail {tail['exponent']:.2f} ± {tail['se']:.2f})"
    ax.errorbar(x[ok], p[ok], yerr=err, fmt="o-", ms=3, lw=1, capsize=1.5, label=label)
xs = np.array([0.3, 3.0])
ax.plot(xs, 0.03 * xs**-2.0, "k--", lw=1, label="λ⁻²")
xt = np.array([5.0, 60.0])
ax.plot(xt, 0.3 * xt**-3.5, "k:", lw=1, label="λ^(−7/2)")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("λ/λ₀")
ax.set_ylabel("P(λ/λ₀) per degree of freedom")
ax.legend(fontsize=6)
fig.tight_layout()
fig.savefig("fig3a.png")
print("wrote fig3a.png from", out, "with", {g: ens.numbers[g]["n_samples"] for g in ens.groups})
