"""Stage 4 — dynamics → verdict: predicted against observed over many seeded runs, and the checkpointed
executor that runs them."""
