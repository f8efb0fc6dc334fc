"""xbarkit's application layer: the ``xbar`` command line, sweeps on Dask, plots and reports.

It imports golden, rtl and sim; nothing imports it.
"""
