"""Time `verify` with N = 100 starts for k = d = 5 on 1 and 2 workers, and one N = 20 verify
of a registered activation (erf on S^4, k = 5)."""

import time

from theory import verify


def timed(*args, **options):
    clock = time.perf_counter()
    result = verify(*args, **options)
    return time.perf_counter() - clock, result


GAUSSIAN = {"manifold": "euclidean", "d": 5, "k": 5, "starts": 100, "dps": 20}
one, result = timed("radial:exp(-r^2/2)", workers=1, **GAUSSIAN)
two, _ = timed("radial:exp(-r^2/2)", workers=2, **GAUSSIAN)
print(f"verify e^(-r^2/2), k = d = 5, N = 100: 1 worker {one:.1f} s, 2 workers {two:.1f} s, "
      f"speed-up {one / two:.2f}  ({result.headline()})")
seconds, erf = timed("erf", manifold="sphere", d=5, k=5, starts=20, dps=20)
print(f"verify erf on S^4, k = 5, N = 20, 1 worker: {seconds:.1f} s  ({erf.headline()}; {erf.kinds})")
