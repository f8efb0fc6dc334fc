"""Hardware-exact, cycle-accurate models of the digital periphery (no Amaranth here).

Each module models one RTL block of the same name in ``rtl/``: the same registers, the same
fixed-point formats, the same LFSR bits and the same latency. A block model has ``reset()``,
``outputs(...)`` (what the block drives this cycle; it takes the inputs that reach an output in
the same clock, e.g. the transfer controller's ``update_done``, and none where no input does)
and ``tick(...)`` (the clock edge, with this cycle's inputs); the LFSR bank has ``words()``
and ``tick(en)``. Tests and cocotb scoreboards compare the RTL with the models every cycle, as
integers.
"""
