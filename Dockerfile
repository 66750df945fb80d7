# 职工之家 — production image: gunicorn serves the site, WhiteNoise the static files.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 union
WORKDIR /app

COPY pyproject.toml ./
RUN python -c 'import tomllib,subprocess,sys; deps=tomllib.load(open("pyproject.toml","rb"))["project"]["dependencies"]; subprocess.check_call([sys.executable,"-m","pip","install","--no-cache-dir",*deps])'

COPY . .
RUN SECRET_KEY=build-only DEBUG=False ALLOWED_HOSTS=* python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R union:union /app/media

USER union
EXPOSE 8000
CMD ["gunicorn", "union_site.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
