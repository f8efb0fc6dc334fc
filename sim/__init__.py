"""cocotb co-simulation: the exported Verilog of the periphery against golden's hardware-exact
models, every cycle.

``runner`` builds and runs a testbench (from pytest or ``xbar cosim``); ``tb_*`` are the cocotb
test modules; ``scoreboard``, ``stimulus``, ``ports`` and ``lockstep`` are their parts;
``block_benches`` holds the stimulus shared with the amaranth.sim tests; ``crossbar`` is the
behavioral crossbar; ``ttv2_host`` and ``ttv2_train`` drive a TTv2 layer on the host side.
"""
