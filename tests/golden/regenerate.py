"""Rewrite the golden texts from the current code:

    .venv/bin/python -m tests.golden.regenerate        # or: make golden

Review the diff (`git diff tests/golden`) before committing: every change in a
residual graph or in the generating extension's source should be intended.
"""

from __future__ import annotations

from pathlib import Path

from tests.golden.programs import PROGRAMS, golden_texts

HERE = Path(__file__).parent


def golden_path(name: str, kind: str) -> Path:
    return HERE / f"{name}.{kind}.txt"


def main() -> None:
    for name in PROGRAMS:
        for kind, text in golden_texts(name).items():
            path = golden_path(name, kind)
            path.write_text(text if text.endswith("\n") else text + "\n")
            print(f"wrote {path.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
