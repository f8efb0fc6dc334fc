# The two commands: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-out
# Debian packages: command or path that proves it is there -> package name.
DEB_CHECKS := iverilog:iverilog /usr/share/datasets/fashion-mnist:dataset-fashion-mnist

.PHONY: setup deb demo test lint bench clean

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

demo: setup
	$(BIN)/xbar device --preset softbounds-20 --pulses "+60,-60" --devices 2000 \
	  --seed 0 --out $(DEMO_OUT)
	@echo "demo: wrote $(DEMO_OUT)/response.json and $(DEMO_OUT)/response.png"

test: setup
	$(BIN)/ruff check golden rtl sim tests bench
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: setup
	$(BIN)/python bench/update.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
