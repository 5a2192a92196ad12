"""Teacher–student networks: the ReLU landscape, sweeps of spurious minima, learning from samples."""
