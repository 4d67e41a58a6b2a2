# One image for all five services; compose picks the service by its command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1
RUN pip install --no-cache-dir uv

WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY services services
COPY tools tools
RUN uv sync --frozen --all-packages --no-dev --no-editable

ENV PATH="/app/.venv/bin:$PATH" HTTP_HOST=0.0.0.0
RUN useradd --create-home --uid 10001 app && mkdir -p /var/lib/wallet-reports && chown app /var/lib/wallet-reports
USER app
