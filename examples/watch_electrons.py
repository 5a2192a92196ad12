"""Watch electrons find protons: S¹ (sign potential), S² (erf potential), R² (Gaussian potential).

The S¹ run is a cautionary one: with fixed charges (eq. 9) the two electrons end
antipodal, where, the sign activation being odd, they cancel each other and feel
no net force from the protons — a trap that is not a global minimum.

Writes electrons_S1.png, electrons_S2.png, electrons_R2.png, convergence_S2.png and
laplacian_sign.png in the current folder.

Run: ``python examples/watch_electrons.py``
"""

from theory import potential, simulate
from theory.paper.plots import convergence, potential_and_laplacian, trajectories

runs = {
    "S1": simulate("sign", d=2, k=2, manifold="sphere", protons=[[1, 0], [-0.6, 0.8]], algorithm="gd",
                   seed=3, dps=20),
    "S2": simulate("erf", d=3, k=3, manifold="sphere", protons="orthonormal", algorithm="gd", seed=1, dps=20),
    "R2": simulate("radial:exp(-r^2/2)", d=2, k=2, manifold="euclidean", protons=[[1.5, 0], [-1, 1]],
                   algorithm="gd", seed=2, dps=20),
}
for name, run in runs.items():
    eq = run.equilibrium
    print(f"{name}: {run.trajectory.algorithm}, {eq.kind}, matched = {eq.matched}, "
          f"‖∇L‖ = {float(eq.gradient_norm):.1e}")
    manifold = "euclidean" if name == "R2" else "sphere"
    trajectories(run.trajectory.path, run.protons, manifold=manifold,
                 title=f"{name}: {eq.kind}", file=f"electrons_{name}.png")
convergence(runs["S2"].trajectory.losses, runs["S2"].trajectory.gradient_norms,
            title="erf on S², k = 3: loss and gradient norm", file="convergence_S2.png")
potential_and_laplacian(potential("sign").sphere(), d=3, file="laplacian_sign.png")
print("wrote electrons_S1.png, electrons_S2.png, electrons_R2.png, convergence_S2.png, laplacian_sign.png")
