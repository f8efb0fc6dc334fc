"""Hardware-exact, cycle-accurate models of the digital periphery (no Amaranth here).

Each module models one RTL block of the same name in ``rtl/``: the same registers, the same
fixed-point formats, the same LFSR bits and the same latency. A model has ``outputs(inputs)``
(what the block drives this cycle) and ``tick(inputs)`` (the clock edge); tests and cocotb
scoreboards compare the RTL with it every cycle, as integers.
"""
