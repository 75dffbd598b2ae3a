.PHONY: setup test demo bench lint
setup:
	bash scripts/setup.sh
test:
	bash scripts/test.sh
demo:
	bash scripts/demo.sh
bench: setup
	.venv/bin/python bench/validate_bench.py
	.venv/bin/python bench/promoter_bench.py
	.venv/bin/python bench/agent_bench.py
	.venv/bin/python -m bench.api_bench
	.venv/bin/python -m bench.github_bench
lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy
