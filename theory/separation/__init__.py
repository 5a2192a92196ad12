"""Safran & Lee's optimisation-based separation: radial laws, the ball-indicator target, the weak and
strong network classes trained by gradient descent, their risks and figures."""
