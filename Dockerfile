# Production image: gunicorn web, Celery worker and Celery beat share it (docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build-assets.mjs scripts/
COPY static static
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# postgresql-client: pg_dump and pg_restore for manage.py backup and restore (15, as the
# docker-compose database).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    fonts-noto-core fonts-noto-color-emoji postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 lcspr
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=assets /app/static/dist static/dist
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v0 \
 && mkdir -p var/backups var/media && chown -R lcspr var
USER lcspr
EXPOSE 8000
CMD ["gunicorn", "lcspr.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", \
     "--logger-class", "lcspr.gunicorn_logging.RedactingLogger"]
