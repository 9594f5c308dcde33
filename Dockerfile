# One image for every process of the production shape (api, worker, beat, dashboards, flower).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_DATA_DIR=/app/var

WORKDIR /app

RUN groupadd --system --gid 10001 daicho \
    && useradd --system --uid 10001 --gid daicho --home-dir /app --shell /usr/sbin/nologin daicho

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN mkdir -p /app/var && chown daicho:daicho /app/var

USER daicho

EXPOSE 8000 8501 5555

CMD ["uvicorn", "service.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers"]
