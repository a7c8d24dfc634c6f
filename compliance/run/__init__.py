"""Running scans: batches, the process pool, Dask, the state file, progress."""

CHUNK_SIZE = 2000  # posts per unit of work, per worker task and per state commit
