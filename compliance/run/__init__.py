"""Running scans: batches, the process pool, Dask, the state file, progress."""
