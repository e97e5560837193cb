# The kiosk's QR decoder and the public page's map (Leaflet) come from npm (pinned by the lockfile) and are served by the API.
FROM node:20-slim AS pages
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
# pg_dump / pg_restore for `shelter backup` and scheduled backups on PostgreSQL.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY shelter ./shelter
RUN pip install --no-cache-dir .
# The pages are static files the service finds in its working directory.
COPY dashboard ./dashboard
COPY kiosk ./kiosk
COPY --from=pages /app/node_modules ./node_modules
EXPOSE 8000
CMD ["shelter", "serve", "--host", "0.0.0.0", "--port", "8000"]
