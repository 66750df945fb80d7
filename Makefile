# 职工之家 — developer commands. `make run` and `make test` work from a fresh clone.
.PHONY: venv install env check-system run test worker beat lint migrations-check messages compilemessages \
        messages-check demo-data ci

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: venv

# Write .env once, with fresh random keys; never overwrite an existing one.
env: .env
.env:
	@cp .env.example .env
	@$(PY) -c "import secrets,re,pathlib; p=pathlib.Path('.env'); t=p.read_text(); \
t=re.sub(r'(?m)^SECRET_KEY=.*$$', 'SECRET_KEY='+secrets.token_urlsafe(50), t); \
t=re.sub(r'(?m)^PERSONAL_DATA_KEY=.*$$', 'PERSONAL_DATA_KEY='+secrets.token_urlsafe(32), t); \
t=re.sub(r'(?m)^DEBUG=.*$$', 'DEBUG=True', t); p.write_text(t)"
	@echo "Wrote .env with a new SECRET_KEY (DEBUG=True for local use)."

check-system: venv
	@$(PY) scripts/check_system.py

run: venv env check-system
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

demo-data: venv env
	$(PY) manage.py load_demo

test: venv
	$(VENV)/bin/pytest $(PYTEST_ARGS)

worker: venv env
	$(VENV)/bin/celery -A union_site worker -l info

beat: venv env
	$(VENV)/bin/celery -A union_site beat -l info

lint: venv
	$(VENV)/bin/ruff check .

migrations-check: venv
	DJANGO_SETTINGS_MODULE=union_site.settings_test $(PY) manage.py makemigrations --check --dry-run

messages: venv
	DJANGO_SETTINGS_MODULE=union_site.settings_test $(PY) manage.py makemessages -l zh_Hans --no-location --no-obsolete \
		--ignore=.venv --ignore=benchmarks --ignore=tests
	DJANGO_SETTINGS_MODULE=union_site.settings_test $(PY) manage.py makemessages -d djangojs -l zh_Hans --no-location --no-obsolete \
		--ignore=.venv --ignore=staticfiles --ignore=benchmarks --ignore=tests
	$(MAKE) compilemessages

compilemessages: venv
	DJANGO_SETTINGS_MODULE=union_site.settings_test $(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

# The committed .mo must say what the .po says (CI runs this).
messages-check: venv
	$(PY) scripts/check_mo.py

ci: messages-check lint migrations-check test
