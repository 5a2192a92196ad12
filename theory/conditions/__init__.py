"""Stage 2 — potential → condition: Laplacians, certified signs, the Earnshaw classification and
realizability."""
