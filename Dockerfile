FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY shelter ./shelter
RUN pip install --no-cache-dir .
# The pages are static files the service finds in its working directory.
COPY dashboard ./dashboard
COPY kiosk ./kiosk
EXPOSE 8000
CMD ["shelter", "serve", "--host", "0.0.0.0", "--port", "8000"]
