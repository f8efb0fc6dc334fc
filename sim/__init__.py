"""cocotb co-simulation: the exported Verilog of the periphery against golden's hardware-exact
models, every cycle (``kit`` = scoreboard and port helpers, ``runner`` = build and run from
pytest or ``xbar cosim``, ``tb_*`` = the cocotb test modules)."""
