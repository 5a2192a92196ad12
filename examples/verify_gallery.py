"""The 'must show' cases of `theory verify`: predicted against observed.

Run as is for a quick tour (a few starts each), or with ``--full`` for the sizes
of issue 8: 50 starts, and ReLU with k = d = 6, 7, 8.

1. sign on S¹, k = 3: harmonic → Theorem 3.3;
2. e^{−r²/2} on R²: strictly subharmonic only where r > √d → a region-restricted prediction;
3. ReLU on S^{d−1}: no Earnshaw class holds → no prediction; the spurious fraction is measured;
4. √(1 + r²) on R²: strictly subharmonic with a bounded Hessian, so Theorem 3.6 seems to apply,
   but it is not a positive-definite kernel (the loss is not E(f − f̂)²): CONTRADICTED.
"""

import sys

from theory import verify

FULL = "--full" in sys.argv
STARTS = 50 if FULL else 6


def show(title, result):
    print(f"## {title}\n{result.headline()}")
    prediction = result.prediction
    text = prediction.theorem + ": " + prediction.statement if prediction else result.reason
    print(f"   prediction: {text}")
    print(f"   end points: {result.kinds}")
    for run in result.counterexamples[:1]:
        print(f"   counter-example (seed {run['seed']}): {run['contradiction']}")
    for run in result.spurious:
        print(f"   spurious minimum (seed {run['seed']}): L = {float(run['loss']):.6g}, smallest Hessian "
              f"eigenvalue {float(run['hessian_eigenvalues'][0]):.3g}, "
              f"‖∇L‖ = {float(run['gradient_norm']):.2g}")
    print()


show("sign on S¹, k = 3", verify("sign", manifold="sphere", d=2, k=3, starts=STARTS, dps=20, workers=2))
show("e^{−r²/2} on R², k = 2", verify("radial:exp(-r^2/2)", manifold="euclidean", d=2, k=2,
                                      starts=STARTS, dps=20, workers=2))
for d in (6, 7, 8) if FULL else (3,):
    relu = verify("relu", manifold="sphere", d=d, k=d, starts=20 if FULL else 4, dps=20, workers=2)
    show(f"ReLU on S^{d - 1}, k = d = {d}: spurious fraction {len(relu.spurious)}/{len(relu.runs)}", relu)
show("√(1 + r²) on R², k = 1 (a dropped hypothesis)",
     verify("radial:sqrt(1+r^2)", manifold="euclidean", d=2, k=1, starts=2, dps=20, budget=500))
