"""Amaranth RTL of the digital periphery around the analog arrays.

One ``wiring.Component`` per file; each file mirrors the golden hardware model of the same name
in :mod:`golden.hw`, and every width comes from :class:`golden.params.PeripheryParams`.
"""
