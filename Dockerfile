# syntax=docker/dockerfile:1
# The learning BFF: a multi-stage image.
#   builder  installs uv from PyPI and syncs the locked runtime dependencies into /app/.venv
#   runtime  copies the venv and the source, runs as a non-root user
# Build: docker build -t learning-bff .      Run: docker run -p 8000:8000 learning-bff
# (sandbox mode by default: SQLite under /app/var, in-process simulators; see docker-compose.yml)

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder

# uv from PyPI, pinned to the version that wrote uv.lock.
RUN pip install --no-cache-dir "uv==0.13.9"

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

# The project lives at /app in both stages: it is installed editable (adapters/db/migrations.py finds
# alembic.ini relative to the source), so the venv's .pth file points at /app.
WORKDIR /app

# Dependencies first, so editing the source does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

COPY api ./api
COPY domain ./domain
COPY adapters ./adapters
COPY simulators ./simulators
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev


FROM ${PYTHON_IMAGE} AS runtime

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BFF_LOG_FORMAT=json \
    BFF_PORT=8000

RUN groupadd --system --gid 10001 bff \
    && useradd --system --uid 10001 --gid bff --home-dir /app --no-create-home --shell /usr/sbin/nologin bff

WORKDIR /app

COPY --from=builder /app/.venv /app/.venv
COPY api ./api
COPY domain ./domain
COPY adapters ./adapters
COPY simulators ./simulators
COPY alembic ./alembic
COPY alembic.ini pyproject.toml ./

# var/ holds the sandbox SQLite database (BFF_DATABASE_URL default) and must be writable.
RUN mkdir -p /app/var && chown bff:bff /app/var

USER bff

EXPOSE 8000

# No curl in the slim image: python's urllib. /health touches nothing but the process.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('BFF_PORT', '8000') + '/health', timeout=4)"]

CMD ["bff", "serve", "--host", "0.0.0.0"]
