# One image for every process of the production shape (api, worker, beat, dashboards, flower).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_DATA_DIR=/app/var

WORKDIR /app

# Tesseract 5 with its two Japanese models (script and language): the CRM's OCR of statement images when APP_OCR_ENGINE=tesseract.
# pg_dump / pg_restore / psql for `backup create|restore`: the client tools of docker-compose.yml's PostgreSQL major
# version (PGDG's packages; Debian's own are of its release's one version), found under /usr/lib/postgresql/16/bin.
ARG PG_MAJOR=16
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && . /etc/os-release \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] \
        https://apt.postgresql.org/pub/repos/apt ${VERSION_CODENAME}-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" tesseract-ocr tesseract-ocr-jpn tesseract-ocr-script-jpan \
    && apt-get purge -y curl && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 daicho \
    && useradd --system --uid 10001 --gid daicho --home-dir /app --shell /usr/sbin/nologin daicho

# The runtime set alone: the tests', the lint stage's and the benches' tools (requirements-dev.txt) stay out.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The named volume app-data is mounted here; a new volume starts as a copy of this empty folder, owned by daicho.
RUN mkdir -p /app/var && chown daicho:daicho /app/var

USER daicho

EXPOSE 8000 8501 5555

CMD ["python", "-m", "service.serve", "--host", "0.0.0.0", "--port", "8000"]
