"""Sweeps of golden training runs on Dask: the runner, its SQLite results store, the
Lee et al. 2022 calibration and its plots (the sweep file itself is
:mod:`golden.params.sweep`)."""
