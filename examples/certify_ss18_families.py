"""Certify one representative of every spurious family of the Safran–Shamir-protocol sweep.

The seeds are runs of ``theory sweep relu --k 6..10 --runs 1000 --protocol ss18`` that ended in
each family (the README's table); each is descended again with the ss18 protocol, classified by
``theory.equilibrium`` and certified in ball arithmetic (``certify=True``).

    python examples/certify_ss18_families.py          # every family
    python examples/certify_ss18_families.py 6 7      # the families at k = 6 and 7
"""

import sys
import time

import numpy as np

import theory
from theory.teacher_student import ss18
from theory.teacher_student.relu import relu_potential
from theory.verification.certificate import show

#: (k, seed) of one run per family: k = 6..10, by loss.
FAMILIES = [(6, 142), (7, 5), (8, 9), (9, 10), (9, 244), (10, 3), (10, 55), (10, 771), (10, 432)]


def main(ks: set[int]) -> None:
    print("k   seed  kind                     L enclosure                 λ_min enclosure "
          "          r      CPU")
    for k, seed in (family for family in FAMILIES if not ks or family[0] in ks):
        end = ss18.descend(ss18.xavier_starts(k, k, [seed]), np.eye(k)).positions[0]
        start = time.process_time()
        eq = theory.equilibrium(relu_potential(), end, np.eye(k), manifold="euclidean", certify=True)
        c = eq.certificate
        seconds = time.process_time() - start
        print(f"{k:<3} {seed:<5} {eq.kind:24} {show(c.loss):27} {show(c.lambda_min):25} "
              f"{c.radius:<6.0e} {seconds:.1f} s"
              if c.proven else f"{k:<3} {seed:<5} not certified: {c.failed}")


if __name__ == "__main__":
    main({int(k) for k in sys.argv[1:]})
