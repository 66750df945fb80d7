"""The production shape: compose file, Dockerfile, settings that pass `check --deploy`, documented variables."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service) -> str:
    cmd = service["command"]
    return " ".join(cmd) if isinstance(cmd, list) else cmd


def test_compose_has_the_five_services_with_their_commands():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "gunicorn union_site.wsgi:application" in _command(services["web"])
    assert "migrate" in _command(services["web"])
    assert _command(services["worker"]).startswith("celery -A union_site worker")
    assert _command(services["beat"]).startswith("celery -A union_site beat")
    for name in ("web", "worker", "beat"):
        assert services[name]["env_file"] == ".env"
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")
    for name in ("web", "worker"):
        assert "media:/app/media" in services[name]["volumes"]
    assert "media" in compose()["volumes"]


def test_dockerfile_installs_the_cjk_font_and_collects_static_files():
    text = (ROOT / "Dockerfile").read_text()
    assert "fonts-noto-cjk" in text and "libpango-1.0-0" in text
    assert "collectstatic" in text
    assert "gunicorn" in text and "USER union" in text


def _clean_env():
    """The environment without what the test settings put into it."""
    drop = {"DATABASE_URL", "REDIS_URL", "SECURE_TLS", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PERSONAL_DATA_KEY",
            "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    env = {
        **_clean_env(),
        "DJANGO_SETTINGS_MODULE": "union_site.settings",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PERSONAL_DATA_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "union.example.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_serve_without_a_secret_key_or_hosts(tmp_path):
    env = {**_clean_env(), "DEBUG": "False", "DJANGO_SETTINGS_MODULE": "union_site.settings",
           "ENV_FILE": str(tmp_path / "none.env")}

    def run(*args, **extra):
        return subprocess.run([sys.executable, *args], cwd=ROOT, env={**env, **extra}, capture_output=True,
                              text=True, check=False)

    served = run("-c", "import union_site.wsgi", ALLOWED_HOSTS="x.cn")  # what gunicorn loads
    assert served.returncode != 0 and "SECRET_KEY" in served.stderr
    served = run("-c", "import union_site.wsgi", SECRET_KEY=secrets.token_urlsafe(50))
    assert served.returncode != 0 and "ALLOWED_HOSTS" in served.stderr
    checked = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", ALLOWED_HOSTS="x.cn")
    assert checked.returncode != 0 and "SECRET_KEY" in checked.stdout + checked.stderr
    # a command that serves nothing runs on a fresh clone without any of them
    assert run("manage.py", "makemigrations", "--check", "--dry-run").returncode == 0


def test_every_setting_read_from_the_environment_is_documented():
    source = (ROOT / "union_site" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no variables found"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_makefile_has_the_developer_targets():
    text = (ROOT / "Makefile").read_text()
    for target in ("run", "test", "worker", "beat", "lint", "messages", "migrations-check", "messages-check"):
        assert re.search(rf"^{re.escape(target)}:", text, re.M), target
    assert "make test" in (ROOT / ".ci" / "run").read_text()
